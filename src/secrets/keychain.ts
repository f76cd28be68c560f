import {ConfigError} from '../core/errors.js'

/** The few keychain operations the secret store needs; `account` is already `<providerId>/<field>`. */
export interface KeychainBackend {
  /** The stored value, or undefined when none is stored. Throws KeychainUnavailableError when unreachable. */
  get(account: string): string | undefined
  set(account: string, value: string): void
  /** Idempotent: deleting what is not there succeeds. */
  delete(account: string): void
}

/** No usable OS keychain: no D-Bus session, no Secret Service, a locked collection, no native binding. */
export class KeychainUnavailableError extends ConfigError {
  readonly reason: string
  constructor(reason: string, message = `the OS keychain is unavailable (${reason})`, hint?: string) {
    super(message, hint, 'keychain_unavailable')
    this.reason = reason
  }
}

/** A keychain that answered but refused one operation for another reason (e.g. an ambiguous entry). */
export class KeychainOperationError extends ConfigError {
  constructor(message: string) {
    super(message, undefined, 'keychain_error')
  }
}
