import type {Db} from '../db.js'
import {toSummary, type TxnSummary} from './ledger.js'

/** Read-side queries over transactions and their state history (transactions list/show). */

export interface TxnFilter {
  site?: string
  provider?: string
  customer?: string
  status?: string
  type?: string
  /** ISO-8601 UTC: transactions that occurred at or after it. */
  since?: string
  limit: number
}

/** Newest first (by when the gateway says it occurred), id as the tie-break so pages are stable. */
export function queryTransactions(db: Db, f: TxnFilter): TxnSummary[] {
  const rows = db
    .stmt(
      `SELECT id, provider, type, status, amount_minor, currency, customer_id, site_id, occurred_at, updated_at FROM transactions
       WHERE (@site IS NULL OR site_id = @site) AND (@provider IS NULL OR provider = @provider)
         AND (@customer IS NULL OR customer_id = @customer) AND (@status IS NULL OR status = @status)
         AND (@type IS NULL OR type = @type) AND (@since IS NULL OR occurred_at >= @since)
       ORDER BY occurred_at DESC, id DESC LIMIT @limit`,
    )
    .all({site: f.site ?? null, provider: f.provider ?? null, customer: f.customer ?? null, status: f.status ?? null, type: f.type ?? null, since: f.since ?? null, limit: f.limit}) as Array<Record<string, string | number | null>>
  return rows.map(toSummary)
}

export interface TxnDocuments {
  normalizedJson: string
  rawJson: string
}

export function transactionDocuments(db: Db, id: string): TxnDocuments | null {
  const row = db.stmt('SELECT normalized_json, raw_json FROM transactions WHERE id = ?').get(id) as {normalized_json: string; raw_json: string} | undefined
  return row ? {normalizedJson: row.normalized_json, rawJson: row.raw_json} : null
}

export interface TxnStateRow {
  version: number
  status: string
  amount: {minor: number; currency: string}
  fee: {minor: number; currency: string} | null
  gatewayUpdatedAt: string
  source: string
  rawSha256: string
  recordedAt: string
}

export function transactionStates(db: Db, id: string): TxnStateRow[] {
  const rows = db
    .stmt(
      `SELECT version, status, amount_minor, currency, fee_minor, fee_currency, gateway_updated_at, source, raw_sha256, recorded_at
       FROM transaction_states WHERE txn_seq = (SELECT seq FROM transactions WHERE id = ?) ORDER BY version`,
    )
    .all(id) as Array<{version: number; status: string; amount_minor: number; currency: string; fee_minor: number | null; fee_currency: string | null; gateway_updated_at: string; source: string; raw_sha256: string; recorded_at: string}>
  return rows.map((r) => ({
    version: r.version,
    status: r.status,
    amount: {minor: r.amount_minor, currency: r.currency},
    fee: r.fee_minor !== null && r.fee_currency !== null ? {minor: r.fee_minor, currency: r.fee_currency} : null,
    gatewayUpdatedAt: r.gateway_updated_at,
    source: r.source,
    rawSha256: r.raw_sha256,
    recordedAt: r.recorded_at,
  }))
}
