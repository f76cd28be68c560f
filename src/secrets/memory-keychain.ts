import type {KeychainBackend} from './keychain.js'

/** An in-process keychain for tests of code that stores secrets; `entries` is exposed for assertions. */
export function createMemoryKeychain(
  initial: Record<string, string> = {},
): KeychainBackend & {entries: Map<string, string>} {
  const entries = new Map(Object.entries(initial))
  return {
    entries,
    get: (account) => entries.get(account),
    set: (account, value) => void entries.set(account, value),
    delete: (account) => void entries.delete(account),
  }
}
