import type {Db} from '../db.js'
import {type Dual, dual} from '../ops/dual.js'
import {type Ops, value, values} from '../ops/op.js'
import {runSync} from '../ops/run-sync.js'

/** Thrown by storeId's statements; a SQLite caller's error names the ledger's file, as it always has. */
class NoStoreId extends Error {
  constructor(where: string) {
    super(`${where} has no store id (migration 003 did not run)`)
  }
}

function* storeIdOps(): Ops<string> {
  const id = yield* value<string>('SELECT store_id FROM store_identity WHERE id = 1')
  if (id === undefined) throw new NoStoreId('the ledger')
  return id
}

/** The ledger's id (migration 003): the namespace of its keychain entries. */
export const storeId: Dual<[], string> = Object.assign(
  (db: Db): string => {
    try {
      return runSync(db, storeIdOps())
    } catch (error) {
      throw error instanceof NoStoreId ? new NoStoreId(db.file) : error
    }
  },
  {ops: storeIdOps},
)

/** Providers that predate per-store keychain entries: their secrets may still sit in the shared account. */
export const legacyKeychainProviders = dual(function* legacyKeychainProviders(): Ops<Set<string>> {
  return new Set(yield* values<string>('SELECT provider FROM keychain_legacy_providers'))
})
