import {createRequire} from 'node:module'

import {KeychainOperationError, KeychainUnavailableError, type KeychainBackend} from './keychain.js'
import {rememberSecret, scrubSecrets} from './scrub.js'

interface NativeEntry {
  getPassword(): string | null
  setPassword(password: string): void
  deletePassword(): boolean
}
interface NativeKeyring {
  Entry: new (service: string, account: string) => NativeEntry
  findCredentials(service: string): Array<{account: string; password: string}>
}

/**
 * The OS keychain through @napi-rs/keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
 *
 * Two quirks of the binding (v1, sync API) shape this file:
 * - `getPassword()` returns null on ANY failure and `deletePassword()` false, so "absent" and "unreachable" look
 *   alike; `findCredentials()` does propagate errors, so a search for a service that holds nothing is the probe.
 * - on Linux without a Secret Service, `Entry` silently falls back to the kernel keyutils store, which does not
 *   survive a logout or reboot; writing there would lose credentials, so writes require the probe to pass.
 */
export function createOsKeychain(service: string): KeychainBackend {
  let native: NativeKeyring | undefined
  let reachable = false

  const load = (): NativeKeyring => {
    if (native) return native
    try {
      // Loaded on first use, not at import: a platform without a prebuilt binary only fails the commands that need it.
      native = createRequire(import.meta.url)('@napi-rs/keyring') as NativeKeyring
      return native
    } catch (error) {
      throw new KeychainUnavailableError(`the keychain library could not load: ${firstLine(error)}`)
    }
  }

  const ensureReachable = (): NativeKeyring => {
    const lib = load()
    if (reachable) return lib
    try {
      lib.findCredentials(`${service}.probe`)
    } catch (error) {
      throw new KeychainUnavailableError(firstLine(error))
    }
    reachable = true
    return lib
  }

  return {
    get(account) {
      const value = new (load().Entry)(service, account).getPassword()
      if (value !== null && value !== undefined) return value
      ensureReachable()
      return undefined
    },

    set(account, value) {
      const lib = ensureReachable()
      try {
        new lib.Entry(service, account).setPassword(value)
      } catch (error) {
        throw mapFailure(error, value, `could not store ${account} in the OS keychain`)
      }
    },

    delete(account) {
      const lib = ensureReachable()
      const entry = new lib.Entry(service, account)
      if (entry.deletePassword()) return
      // false means "nothing there" or "could not delete"; only a value still present tells them apart.
      if (entry.getPassword() !== null)
        throw new KeychainOperationError(`could not delete ${account} from the OS keychain (it may be locked)`)
    },
  }
}

// A Secret Service that is running but has no unlocked default collection answers "no result found" or "locked".
function mapFailure(error: unknown, secret: string, context: string): Error {
  // The binding's messages do not quote values; this guards against one that would.
  rememberSecret(secret)
  const reason = scrubSecrets(firstLine(error))
  if (/locked|no result found/i.test(reason))
    return new KeychainUnavailableError(`no unlocked default keyring: ${reason}`)
  if (/platform storage|secret service|dbus|access ?denied|no storage/i.test(reason))
    return new KeychainUnavailableError(reason)
  return new KeychainOperationError(`${context}: ${reason}`)
}

// The binding appends a Rust backtrace to every message; people need the first line only.
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return (
    message
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'unknown error'
  )
}
