import type {Db} from '../db.js'

/**
 * Deletes a provider's ledger history (`providers remove --purge`). Postings are append-only; the trigger lets
 * a delete through only while the provider sits in ledger_purges, inside this one transaction. Audit rows stay.
 */
export function purgeProviderHistory(db: Db, provider: string): {transactions: number; postings: number} {
  return db.write(() => {
    db.stmt('INSERT INTO ledger_purges (provider) VALUES (?) ON CONFLICT DO NOTHING').run(provider)
    const postings = db.stmt('DELETE FROM ledger_postings WHERE provider = ?').run(provider).changes
    db.stmt('DELETE FROM ledger_purges WHERE provider = ?').run(provider)
    const transactions = db.stmt('DELETE FROM transactions WHERE provider = ?').run(provider).changes
    for (const table of [
      'sync_cursors',
      'leases',
      'quarantine',
      'sync_latency',
      'gateway_calls',
      'sync_runs',
      'sync_skipped',
      'webhook_events',
    ]) {
      const column = table === 'leases' ? 'name' : 'provider'
      db.stmt(`DELETE FROM ${table} WHERE ${column} = ?`).run(provider)
    }
    return {transactions, postings}
  })
}

export function lastSyncOf(db: Db, provider: string): string | null {
  const row = db
    .stmt(`SELECT MAX(finished_at) AS at FROM sync_runs WHERE provider = ? AND status = 'ok'`)
    .get(provider) as {at: string | null}
  return row.at
}
