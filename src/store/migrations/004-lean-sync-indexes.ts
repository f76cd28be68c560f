import type {Migration} from './migration.js'

/**
 * Every index on a table the sync writes costs a randomly placed leaf page per transaction, and that write
 * dominates a page's commit (measured: these two were ~10% of a page). Customer balances read the account index
 * (`customer:<id>`), which makes the customer index redundant; nothing reads by invoice yet (reconciliation will
 * add the index it needs, shaped for its query).
 */
export const leanSyncIndexes: Migration = {
  version: 4,
  name: '004-lean-sync-indexes',
  up(db) {
    db.exec(`DROP INDEX IF EXISTS ledger_postings_customer; DROP INDEX IF EXISTS transactions_invoice;`)
  },
}
