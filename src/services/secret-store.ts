import type {AppContext} from '../app/context.js'
import {createSecretStore, type KeychainBackend, type SecretStore} from '../secrets/index.js'
import type {Db} from '../store/db.js'
import type {Dual} from '../store/ops/dual.js'
import type {Ops} from '../store/ops/op.js'
import {legacyKeychainProviders, storeId} from '../store/repos/store-identity.js'

type Context = Pick<AppContext, 'env'>
interface Options {
  backend?: KeychainBackend
  env?: NodeJS.ProcessEnv
}

/**
 * The secret store of one ledger: its keychain entries are named after the ledger's store id, so another home's
 * provider of the same name is another entry. `backend` replaces the OS keychain (tests: the in-memory one).
 * Reading the store id is its only statement: the keychain is asked only when a secret is, outside any transaction.
 * On a SQLite Db a missing store id names the file, as storeId(db) does.
 */
export const openSecretStore: Dual<[ctx: Context, opts?: Options], SecretStore> = Object.assign(
  (db: Db, ctx: Context, opts: Options = {}) => secretStore(storeId(db), legacyKeychainProviders(db), ctx, opts),
  {
    *ops(ctx: Context, opts: Options = {}): Ops<SecretStore> {
      return secretStore(yield* storeId.ops(), yield* legacyKeychainProviders.ops(), ctx, opts)
    },
  },
)

function secretStore(namespace: string, legacy: Set<string>, ctx: Context, opts: Options): SecretStore {
  return createSecretStore({namespace, env: opts.env ?? ctx.env, backend: opts.backend, legacyProviders: legacy})
}
