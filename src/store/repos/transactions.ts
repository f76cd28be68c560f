import type {NormalizedTxn} from '../../core/transaction.js'
import type {Db} from '../db.js'

export interface StoredTxnState {
  id: string
  version: number
  customerId: string | null
  siteId: string | null
  updatedAt: string
  normalizedJson: string
}

export function getTxnState(db: Db, id: string): StoredTxnState | null {
  const row = db.stmt('SELECT id, version, customer_id, site_id, updated_at, normalized_json FROM transactions WHERE id = ?').get(id) as
    | {id: string; version: number; customer_id: string | null; site_id: string | null; updated_at: string; normalized_json: string}
    | undefined
  return row ? {id: row.id, version: row.version, customerId: row.customer_id, siteId: row.site_id, updatedAt: row.updated_at, normalizedJson: row.normalized_json} : null
}

export interface TxnWrite {
  txn: NormalizedTxn
  normalizedJson: string
  rawJson: string
  rawSha256: string
  version: number
  customerId: string
  siteId: string
  source: 'pull' | 'webhook' | 'replay'
}

/** Writes the latest state and its history row. The caller decided this is a new version. */
export function writeTxnVersion(db: Db, w: TxnWrite): void {
  const t = w.txn
  const now = db.now()
  const {seq} = db.stmt(
    `INSERT INTO transactions (id, provider, kind, external_id, parent_external_id, type, status, amount_minor, currency,
       fee_minor, fee_currency, net_minor, net_currency, customer_id, site_id, customer_ref, invoice_ref, site_ref,
       failure_code, failure_message, failure_decision, occurred_at, updated_at, version, normalized_json, raw_json,
       first_seen_at, last_seen_at)
     VALUES (@id, @provider, @kind, @external_id, @parent, @type, @status, @amount, @currency, @fee, @fee_currency, @net,
       @net_currency, @customer_id, @site_id, @customer_ref, @invoice_ref, @site_ref, @failure_code, @failure_message,
       @failure_decision, @occurred_at, @updated_at, @version, @normalized_json, @raw_json, @now, @now)
     ON CONFLICT (id) DO UPDATE SET parent_external_id = excluded.parent_external_id, type = excluded.type,
       status = excluded.status, amount_minor = excluded.amount_minor, currency = excluded.currency,
       fee_minor = excluded.fee_minor, fee_currency = excluded.fee_currency, net_minor = excluded.net_minor,
       net_currency = excluded.net_currency, customer_id = excluded.customer_id, site_id = excluded.site_id,
       customer_ref = excluded.customer_ref, invoice_ref = excluded.invoice_ref, site_ref = excluded.site_ref,
       failure_code = excluded.failure_code, failure_message = excluded.failure_message,
       failure_decision = excluded.failure_decision, occurred_at = excluded.occurred_at, updated_at = excluded.updated_at,
       version = excluded.version, normalized_json = excluded.normalized_json, raw_json = excluded.raw_json,
       last_seen_at = excluded.last_seen_at
     RETURNING seq`,
  ).get({
    id: t.id,
    provider: t.provider,
    kind: t.kind,
    external_id: t.externalId,
    parent: t.parentExternalId,
    type: t.type,
    status: t.status,
    amount: t.amount.minor,
    currency: t.amount.currency,
    fee: t.fee?.minor ?? null,
    fee_currency: t.fee?.currency ?? null,
    net: t.net?.minor ?? null,
    net_currency: t.net?.currency ?? null,
    customer_id: w.customerId,
    site_id: w.siteId,
    customer_ref: t.customerRef,
    invoice_ref: t.invoiceRef,
    site_ref: t.siteRef,
    failure_code: t.failure?.code ?? null,
    failure_message: t.failure?.message ?? null,
    failure_decision: t.failure?.decision ?? null,
    occurred_at: t.occurredAt,
    updated_at: t.updatedAt,
    version: w.version,
    normalized_json: w.normalizedJson,
    raw_json: w.rawJson,
    now,
  }) as {seq: number}
  db.stmt(
    `INSERT INTO transaction_states (txn_seq, txn_id, version, status, amount_minor, currency, fee_minor, fee_currency,
       gateway_updated_at, source, raw_sha256, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  ).run(seq, t.id, w.version, t.status, t.amount.minor, t.amount.currency, t.fee?.minor ?? null, t.fee?.currency ?? null, t.updatedAt, w.source, w.rawSha256, now)
}

/** The customer and site a parent payment was resolved to (refunds and disputes inherit them). */
export function parentOwner(db: Db, provider: string, parentExternalId: string): {customerId: string; siteId: string} | null {
  const row = db.stmt('SELECT customer_id, site_id FROM transactions WHERE id = ?').get(`${provider}:${parentExternalId}`) as
    | {customer_id: string | null; site_id: string | null}
    | undefined
  return row?.customer_id && row.site_id ? {customerId: row.customer_id, siteId: row.site_id} : null
}
