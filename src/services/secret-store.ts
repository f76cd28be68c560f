import type {AppContext} from '../app/context.js'
import {createSecretStore, type KeychainBackend, type SecretStore} from '../secrets/index.js'
import type {Db} from '../store/db.js'
import {legacyKeychainProviders, storeId} from '../store/repos/store-identity.js'

/**
 * The secret store of one ledger: its keychain entries are named after the ledger's store id, so another home's
 * provider of the same name is another entry. `backend` replaces the OS keychain (tests: the in-memory one).
 */
export function openSecretStore(
  db: Db,
  ctx: Pick<AppContext, 'env'>,
  opts: {backend?: KeychainBackend; env?: NodeJS.ProcessEnv} = {},
): SecretStore {
  return createSecretStore({
    namespace: storeId(db),
    env: opts.env ?? ctx.env,
    backend: opts.backend,
    legacyProviders: legacyKeychainProviders(db),
  })
}
