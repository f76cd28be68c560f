import type {NormalizedTxn} from '../../core/transaction.js'

/**
 * The transactions columns that hold a NormalizedTxn: the one mapping between the two, both ways. The first
 * IDENTITY_COLUMNS of them name the object and never change; the rest are its state.
 */
export const TXN_COLUMN_LIST = [
  'id',
  'provider',
  'kind',
  'external_id',
  'parent_external_id',
  'type',
  'status',
  'amount_minor',
  'currency',
  'fee_minor',
  'fee_currency',
  'net_minor',
  'net_currency',
  'customer_ref',
  'invoice_ref',
  'site_ref',
  'failure_code',
  'failure_message',
  'failure_decision',
  'occurred_at',
  'updated_at',
  'metadata_json',
] as const
export const IDENTITY_COLUMNS = 4
export const TXN_COLUMNS = TXN_COLUMN_LIST.join(', ')

export interface TxnRow {
  id: string
  provider: string
  kind: string
  external_id: string
  parent_external_id: string | null
  type: string
  status: string
  amount_minor: number
  currency: string
  fee_minor: number | null
  fee_currency: string | null
  net_minor: number | null
  net_currency: string | null
  customer_ref: string | null
  invoice_ref: string | null
  site_ref: string | null
  failure_code: string | null
  failure_message: string | null
  failure_decision: string | null
  occurred_at: string
  updated_at: string
  metadata_json: string
}

/** Positional values in TXN_COLUMN_LIST order. */
export function txnValues(t: NormalizedTxn): unknown[] {
  return [
    t.id,
    t.provider,
    t.kind,
    t.externalId,
    t.parentExternalId,
    t.type,
    t.status,
    t.amount.minor,
    t.amount.currency,
    t.fee?.minor ?? null,
    t.fee?.currency ?? null,
    t.net?.minor ?? null,
    t.net?.currency ?? null,
    t.customerRef,
    t.invoiceRef,
    t.siteRef,
    t.failure?.code ?? null,
    t.failure?.message ?? null,
    t.failure?.decision ?? null,
    t.occurredAt,
    t.updatedAt,
    JSON.stringify(t.metadata),
  ]
}

/** The stored transaction, with its fields in the schema's order (so two equal states serialize equally). */
export function txnFromRow(r: TxnRow): NormalizedTxn {
  return canonicalTxn({
    id: r.id,
    provider: r.provider,
    kind: r.kind as NormalizedTxn['kind'],
    externalId: r.external_id,
    parentExternalId: r.parent_external_id,
    type: r.type as NormalizedTxn['type'],
    status: r.status as NormalizedTxn['status'],
    amount: {minor: r.amount_minor, currency: r.currency},
    fee: r.fee_minor === null || r.fee_currency === null ? null : {minor: r.fee_minor, currency: r.fee_currency},
    net: r.net_minor === null || r.net_currency === null ? null : {minor: r.net_minor, currency: r.net_currency},
    customerRef: r.customer_ref,
    invoiceRef: r.invoice_ref,
    siteRef: r.site_ref,
    failure:
      r.failure_code === null
        ? null
        : {
            code: r.failure_code,
            message: r.failure_message ?? '',
            decision: (r.failure_decision ?? 'unknown') as NonNullable<NormalizedTxn['failure']>['decision'],
          },
    occurredAt: r.occurred_at,
    updatedAt: r.updated_at,
    metadata: JSON.parse(r.metadata_json) as Record<string, string>,
  })
}

/** A copy with fields (and nested money and failure fields) in one fixed order: JSON equality means equal state. */
export function canonicalTxn(t: NormalizedTxn): NormalizedTxn {
  const money = (m: {minor: number; currency: string} | null) =>
    m === null ? null : {minor: m.minor, currency: m.currency}
  return {
    id: t.id,
    provider: t.provider,
    kind: t.kind,
    externalId: t.externalId,
    parentExternalId: t.parentExternalId,
    type: t.type,
    status: t.status,
    amount: {minor: t.amount.minor, currency: t.amount.currency},
    fee: money(t.fee),
    net: money(t.net),
    customerRef: t.customerRef,
    invoiceRef: t.invoiceRef,
    siteRef: t.siteRef,
    failure:
      t.failure === null ? null : {code: t.failure.code, message: t.failure.message, decision: t.failure.decision},
    occurredAt: t.occurredAt,
    updatedAt: t.updatedAt,
    metadata: Object.fromEntries(Object.entries(t.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  }
}

/** True when the two describe the same state (what the sync compares before writing a new version). */
export function sameTxnState(a: NormalizedTxn, b: NormalizedTxn): boolean {
  return JSON.stringify(canonicalTxn(a)) === JSON.stringify(canonicalTxn(b))
}
