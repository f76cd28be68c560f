/**
 * What one Braintree pull cycle searches, and in which order. Braintree has no events feed; its transaction
 * search takes time ranges on several lifecycle timestamps (BT `transaction_search.js`) and criteria are ANDed,
 * so changes, not just creations, are found by one search per lifecycle timestamp (docs/gateways.md#braintree-listing).
 * Disputes are searched by effective_date (the date of a status change, so openings and closings both match).
 *
 * A cycle covers (lower, upper]: upper = the clock at the cycle's start, lower = the previous cycle's upper
 * minus OVERLAP_MS (search indexing lag and clock skew; re-reads are harmless, the core upserts by id).
 * The change passes add created_at ≤ lower: what was created within the cycle comes with the created pass.
 * Passes, each one search:
 *   created              created_at in window   new sales and new credits (refunds are credit transactions)
 *   settled              settled_at             pending sales that settled
 *   voided               voided_at              authorizations voided later
 *   expired              authorization_expired_at
 *   settlement_declined  status=settlement_declined, created_at in [lower − DECLINE_HORIZON_MS, lower]
 *                        (Braintree has no range on the decline time; bank debits bounce within days)
 *   disputes             effective_date ≥ date(lower) − 1 day (dates are day-granular, merchant time zone ⚠)
 * The first cycle without a `since` reads the whole history (created + disputes only: every object is then
 * seen in its current state). A window whose id list reaches the window target is halved and searched again
 * (the documented cap on results is ⚠ 20,000; narrowing the window is Braintree's advice).
 */
export const TXN_PASSES = ['created', 'settled', 'voided', 'expired', 'settlement_declined'] as const
export type TxnPass = (typeof TXN_PASSES)[number]
export type Pass = TxnPass | 'disputes'

/** How far each cycle reaches back behind the last one's upper end. */
const OVERLAP_MS = 15 * 60_000
const DECLINE_HORIZON_MS = 30 * 86_400_000
/** Ids per search window before it is halved (a connect option lowers it in tests). */
export const DEFAULT_WINDOW_TARGET = 5_000
/** Ids per advanced_search request: Braintree's page-size. */
export const MAX_CHUNK = 50
/** Before Braintree existed: the lower end of a full-history search. */
const HISTORY_FLOOR = '2007-01-01T00:00:00.000Z'

const RANGE_FIELD: Readonly<Record<Exclude<TxnPass, 'settlement_declined'>, string>> = {
  created: 'created_at',
  settled: 'settled_at',
  voided: 'voided_at',
  expired: 'authorization_expired_at',
}

export interface Window {
  min: string
  max: string
  /** Where the pass ends; a window narrowed by a split continues from its max up to here. */
  end: string
}

export interface Cycle {
  lower: string | null
  upper: string
  pass: Pass
  window: Window | null
  ids: string[] | null
  chunk: number
  page: number
}

export const isIso = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v))
const iso = (ms: number): string => new Date(ms).toISOString()

function passesFor(cycle: Pick<Cycle, 'lower'>): Pass[] {
  return cycle.lower === null ? ['created', 'disputes'] : [...TXN_PASSES, 'disputes']
}

/** The first window of a transaction pass. */
function firstWindow(pass: TxnPass, cycle: Pick<Cycle, 'lower' | 'upper'>): Window {
  const lowerMs = cycle.lower === null ? Date.parse(HISTORY_FLOOR) : Date.parse(cycle.lower)
  if (pass === 'settlement_declined') {
    const lower = iso(lowerMs)
    return {min: iso(Math.max(Date.parse(HISTORY_FLOOR), lowerMs - DECLINE_HORIZON_MS)), max: lower, end: lower}
  }
  return {min: iso(lowerMs), max: cycle.upper, end: cycle.upper}
}

/** A new cycle up to now, from the last cycle's upper end (the watermark), else from `since`, else from the start. */
export function startCycle(watermark: string | null, nowMs: number, since: string | undefined): Cycle {
  const lower =
    watermark !== null ? iso(Date.parse(watermark) - OVERLAP_MS) : since && isIso(since) ? iso(Date.parse(since)) : null
  const upper = iso(nowMs)
  const cycle: Cycle = {lower, upper, pass: 'created', window: null, ids: null, chunk: MAX_CHUNK, page: 1}
  cycle.window = firstWindow('created', cycle)
  return cycle
}

/** The search criteria of a transaction pass over a window (the JSON body's `search`). */
export function transactionCriteria(
  pass: TxnPass,
  window: Window,
  cycle: Pick<Cycle, 'lower'>,
): Record<string, unknown> {
  const range = {min: window.min, max: window.max}
  if (pass === 'created') return {created_at: range}
  // Transactions created inside this cycle come with the created pass in their current state: the change
  // passes look only at older ones (created_at ≤ lower; the boundary second is read twice, harmlessly).
  const older = cycle.lower === null ? {} : {created_at: {max: cycle.lower}}
  if (pass === 'settlement_declined') return {status: ['settlement_declined'], created_at: range}
  return {[RANGE_FIELD[pass]]: range, ...older}
}

export function disputeCriteria(cycle: Pick<Cycle, 'lower'>): Record<string, unknown> {
  if (cycle.lower === null) return {}
  const day = iso(Date.parse(cycle.lower) - 86_400_000).slice(0, 10)
  return {effective_date: {min: day}}
}

/** Whether a window that returned `count` ids should be halved and searched again. */
export function shouldSplit(window: Window, count: number, target: number): boolean {
  return count >= target && Date.parse(window.max) - Date.parse(window.min) > 1_000
}

export function splitWindow(window: Window): Window {
  const minMs = Date.parse(window.min)
  const mid = minMs + Math.floor((Date.parse(window.max) - minMs) / 2)
  return {min: window.min, max: iso(mid), end: window.end}
}

/** After a window's ids are all fetched: the rest of the pass, the next pass, or the end of the cycle. */
export function afterWindow(cycle: Cycle): {cycle: Cycle | null} {
  const w = cycle.window
  if (w && Date.parse(w.max) < Date.parse(w.end)) {
    return {cycle: {...cycle, window: {min: w.max, max: w.end, end: w.end}, ids: null}}
  }
  return nextPass(cycle)
}

export function nextPass(cycle: Cycle): {cycle: Cycle | null} {
  const passes = passesFor(cycle)
  const index = passes.indexOf(cycle.pass)
  const pass = passes[index + 1]
  if (pass === undefined) return {cycle: null}
  const next: Cycle = {...cycle, pass, ids: null, page: 1, window: null}
  if (pass !== 'disputes') next.window = firstWindow(pass, cycle)
  return {cycle: next}
}
