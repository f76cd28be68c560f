import type {EmulatorRequest} from '../emulator.js'
import {type BtDispute, type BtTxn, disputeStatusAt, enteredAt, statusAt} from './world.js'

/**
 * Braintree's search criteria as the emulator understands them (docs/gateways.md#braintree-listing): a JSON body
 * `{"search": {field: criterion}}`, criteria ANDed; ranges `{min, max, is}` on timestamps (to the second) and
 * dates (to the day), lists of values, and `{"is": …}` on text. A criterion the emulator does not know is a
 * BadSearch, answered 422 like the gateway's validation errors, never silently ignored.
 */
export class BadSearch extends Error {}

type Range = {min?: number; max?: number; is?: number}

/** `*_at` range fields -> the status whose entry time they search. */
const RANGE_STATUS: Readonly<Record<string, string>> = {
  authorized_at: 'authorized',
  submitted_for_settlement_at: 'submitted_for_settlement',
  settled_at: 'settled',
  voided_at: 'voided',
  processor_declined_at: 'processor_declined',
  gateway_rejected_at: 'gateway_rejected',
  failed_at: 'failed',
  authorization_expired_at: 'authorization_expired',
}

function timeOf(value: unknown, field: string): number {
  const ms =
    typeof value === 'string'
      ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)
      : Number.NaN
  if (Number.isNaN(ms)) throw new BadSearch(`${field} is not a date/time`)
  return ms
}

function rangeOf(value: unknown, field: string): Range {
  if (!value || typeof value !== 'object') throw new BadSearch(`${field} must be a range`)
  const out: Range = {}
  for (const [op, v] of Object.entries(value)) {
    if (op !== 'min' && op !== 'max' && op !== 'is') throw new BadSearch(`${field}.${op} is not a range operator`)
    out[op] = timeOf(v, `${field}.${op}`)
  }
  return out
}

function inRange(ms: number | null, r: Range, granularity: 'second' | 'day'): boolean {
  if (ms === null) return false
  const unit = granularity === 'second' ? 1000 : 86_400_000
  const v = Math.floor(ms / unit) * unit
  const lo = r.min === undefined ? undefined : granularity === 'day' ? Math.floor(r.min / unit) * unit : r.min
  const hi = r.max === undefined ? undefined : granularity === 'day' ? Math.floor(r.max / unit) * unit : r.max
  if (r.is !== undefined && v !== Math.floor(r.is / unit) * unit) return false
  return (lo === undefined || v >= lo) && (hi === undefined || v <= hi)
}

function stringList(value: unknown, field: string): string[] {
  const list = Array.isArray(value) ? value : [value]
  if (!list.every((v) => typeof v === 'string')) throw new BadSearch(`${field} must be a list of strings`)
  return list as string[]
}

function textIs(value: unknown, field: string): string {
  if (!value || typeof value !== 'object' || typeof (value as {is?: unknown}).is !== 'string')
    throw new BadSearch(`${field} supports only {"is": …}`)
  return (value as {is: string}).is
}

/** The request body's `search` object. */
export function parseSearch(req: EmulatorRequest): Record<string, unknown> {
  let body: unknown
  try {
    body = JSON.parse(req.rawBody.toString('utf8') || '{}')
  } catch {
    throw new BadSearch('the body is not JSON')
  }
  const search = (body as {search?: unknown} | null)?.search ?? {}
  if (typeof search !== 'object' || search === null || Array.isArray(search))
    throw new BadSearch('search must be an object')
  return search as Record<string, unknown>
}

export type TxnFilter = (t: BtTxn, now: number) => boolean

/** A transaction search: the criteria as one filter, and the `ids` criterion apart (it selects a page). */
export function transactionFilter(search: Record<string, unknown>): {filter: TxnFilter; ids: Set<string> | null} {
  const filters: TxnFilter[] = []
  let ids: Set<string> | null = null
  for (const [field, value] of Object.entries(search)) {
    if (field === 'ids') ids = new Set(stringList(value, field))
    else if (field === 'created_at') {
      const r = rangeOf(value, field)
      filters.push((t) => inRange(t.createdAt, r, 'second'))
    } else if (field in RANGE_STATUS) {
      const r = rangeOf(value, field)
      const status = RANGE_STATUS[field] as string
      filters.push((t, now) => inRange(enteredAt(t, status, now), r, 'second'))
    } else if (field === 'dispute_date') {
      const r = rangeOf(value, field)
      filters.push((t, now) => t.disputes.some((d) => d.openedAt <= now && inRange(d.openedAt, r, 'day')))
    } else if (field === 'status') {
      const set = new Set(stringList(value, field))
      filters.push((t, now) => set.has(statusAt(t, now)?.status ?? ''))
    } else if (field === 'type') {
      const set = new Set(stringList(value, field))
      filters.push((t) => set.has(t.type))
    } else if (field === 'order_id') {
      const is = textIs(value, field)
      filters.push((t) => t.orderId === is)
    } else if (field === 'customer_id') {
      const is = textIs(value, field)
      filters.push((t) => t.customerId === is)
    } else throw new BadSearch(`the emulator does not support searching by ${field}`)
  }
  return {filter: (t, now) => filters.every((f) => f(t, now)), ids}
}

/** A dispute search as one filter; effective_date matches any status change (opening or closing) on that day. */
export function disputeFilter(search: Record<string, unknown>, now: number): (d: BtDispute) => boolean {
  const filters: ((d: BtDispute) => boolean)[] = []
  for (const [field, value] of Object.entries(search)) {
    if (field === 'effective_date') {
      const r = rangeOf(value, field)
      filters.push((d) => (disputeStatusAt(d, now)?.history ?? []).some((e) => inRange(e.at, r, 'day')))
    } else if (field === 'received_date') {
      const r = rangeOf(value, field)
      filters.push((d) => inRange(d.openedAt, r, 'day'))
    } else if (field === 'status') {
      const set = new Set(stringList(value, field))
      filters.push((d) => set.has(disputeStatusAt(d, now)?.status ?? ''))
    } else if (field === 'transaction_id') {
      const is = textIs(value, field)
      filters.push((d) => d.transactionId === is)
    } else if (field === 'id') {
      const is = textIs(value, field)
      filters.push((d) => d.id === is)
    } else throw new BadSearch(`the emulator does not support searching disputes by ${field}`)
  }
  return (d) => filters.every((f) => f(d))
}
