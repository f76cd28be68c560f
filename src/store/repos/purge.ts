import {dual} from '../ops/dual.js'
import {get, type Ops, run, write} from '../ops/op.js'

// Every table that names the provider, besides its postings and transactions (their states go with them).
const PROVIDER_TABLES = [
  'sync_cursors',
  'leases',
  'quarantine',
  'sync_latency',
  'gateway_calls',
  'sync_runs',
  'sync_skipped',
  'webhook_events',
].map((table) => `DELETE FROM ${table} WHERE ${table === 'leases' ? 'name' : 'provider'} = ?`)

/**
 * Deletes a provider's ledger history (`providers remove --purge`). Postings are append-only; the trigger lets
 * a delete through only while the provider sits in ledger_purges, inside this one transaction. Audit rows stay.
 */
export const purgeProviderHistory = dual(function* purgeProviderHistory(
  provider: string,
): Ops<{transactions: number; postings: number}> {
  return yield* write(
    (function* () {
      yield* run('INSERT INTO ledger_purges (provider) VALUES (?) ON CONFLICT DO NOTHING', [provider])
      const postings = (yield* run('DELETE FROM ledger_postings WHERE provider = ?', [provider])).changes
      yield* run('DELETE FROM ledger_purges WHERE provider = ?', [provider])
      const transactions = (yield* run('DELETE FROM transactions WHERE provider = ?', [provider])).changes
      for (const sql of PROVIDER_TABLES) yield* run(sql, [provider])
      return {transactions, postings}
    })(),
  )
})

export const lastSyncOf = dual(function* lastSyncOf(provider: string): Ops<string | null> {
  const row = yield* get<{at: string | null}>(
    `SELECT MAX(finished_at) AS at FROM sync_runs WHERE provider = ? AND status = 'ok'`,
    [provider],
  )
  return row?.at ?? null
})
