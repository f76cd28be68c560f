import type {Db} from '../db.js'

/** The ledger's id (migration 003): the namespace of its keychain entries. */
export function storeId(db: Db): string {
  const id = db.stmt('SELECT store_id FROM store_identity WHERE id = 1').pluck().get() as string | undefined
  if (id === undefined) throw new Error(`${db.file} has no store id (migration 003 did not run)`)
  return id
}

/** Providers that predate per-store keychain entries: their secrets may still sit in the shared account. */
export function legacyKeychainProviders(db: Db): Set<string> {
  return new Set(db.stmt('SELECT provider FROM keychain_legacy_providers').pluck().all() as string[])
}
