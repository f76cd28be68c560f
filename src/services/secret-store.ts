import type {AppContext} from '../app/context.js'
import {createSecretStore, type KeychainBackend, type SecretStore} from '../secrets/index.js'
import type {Db} from '../store/db.js'
import type {Dual} from '../store/ops/dual.js'
import type {Ops} from '../store/ops/op.js'
import {legacyKeychainProviders, storeId} from '../store/repos/store-identity.js'

type Options = {backend?: KeychainBackend; env?: NodeJS.ProcessEnv}

/**
 * The secret store of one ledger: its keychain entries are named after the ledger's store id, so another home's
 * provider of the same name is another entry. `backend` replaces the OS keychain (tests: the in-memory one).
 */
export const openSecretStore: Dual<[ctx: Pick<AppContext, 'env'>, opts?: Options], SecretStore> = Object.assign(
  // On a Db, storeId's own call: its error names the ledger's file.
  (db: Db, ctx: Pick<AppContext, 'env'>, opts: Options = {}): SecretStore =>
    secretStoreOf(storeId(db), legacyKeychainProviders(db), ctx, opts),
  {
    *ops(ctx: Pick<AppContext, 'env'>, opts: Options = {}): Ops<SecretStore> {
      return secretStoreOf(yield* storeId.ops(), yield* legacyKeychainProviders.ops(), ctx, opts)
    },
  },
)

function secretStoreOf(namespace: string, legacyProviders: Set<string>, ctx: Pick<AppContext, 'env'>, opts: Options) {
  return createSecretStore({namespace, env: opts.env ?? ctx.env, backend: opts.backend, legacyProviders})
}
