import type {Cursor} from '../../core/cursor.js'
import type {FetchedTxn, Quarantined, Skipped} from '../../core/transaction.js'
import type {HttpRequest, Page} from '../types.js'
import {envelopeError, type PaypalApi} from './api.js'
import {describeIssues, DisputeListSchema, DisputeSummarySchema, SearchResponseSchema} from './schema.js'
import {toPaypalTime} from './time.js'
import {translateTransaction} from './search-row.js'
import {type TranslateContext, translateDispute} from './translate.js'

/**
 * How the PayPal pull sees changes, not just creations (docs/architecture.md#the-gateway-seam;
 * docs/gateways.md#paypal-listing and #paypal-transaction-search). One cycle:
 *
 * 1. Transactions: `GET /v1/reporting/transactions?start_date&end_date&fields=all&balance_affecting_records_only=N
 *    &page_size=500&page=N`. PayPal filters by transaction date and allows at most 31 days per request, so a
 *    cycle walks windows of ≤ 31 days forward from its start up to the moment the cycle began (`runEnd`),
 *    paging inside each window. The cursor is {windowStart, windowEnd, page, totalPages}.
 *    - First cycle: from `opts.since`, else PayPal's whole history (3 years back, less a day): an empty
 *      window costs one request, and a first sync that silently skips history is worse than 36 requests.
 *    - Later cycles: from (last completed runEnd − 3 h), because PayPal says rows take up to 3 h to appear; or
 *      from the oldest row that was still pending (P) in the last cycle, if earlier (capped at 45 days), because
 *      a pending row changes status in place at its original date and would otherwise never be re-read.
 *      Windows therefore overlap: duplicates are fine (the core upserts by id), gaps are not.
 *    - Refunds are rows of their own with their own date, so they are caught by the forward walk.
 *    - Each row is posted, booked on the merchant's side, or listed in the page's `skipped` (search-row.ts).
 * 2. Disputes: `GET /v1/customer/disputes?update_time_after=<watermark − 3 h>&page_size=50`, following
 *    `next_page_token` from the `next` link; each dispute's detail is fetched (the list items carry no
 *    disputed transaction). The watermark becomes the greatest update_time seen once the listing completes.
 * `hasMore` is false only after the disputes' last page; the next fetchPage starts a new cycle.
 * A crash repeats the page in progress (the cursor only moves with a committed page), never skips one.
 */
export const MAX_WINDOW_MS = 31 * 86_400_000
export const LATE_MS = 3 * 3_600_000
export const HISTORY_MS = 3 * 365 * 86_400_000 - 86_400_000
export const PENDING_LOOKBACK_MAX_MS = 45 * 86_400_000
export const TXN_PAGE_SIZE = 500
export const DISPUTE_PAGE_SIZE = 50

export interface PaypalCursor {
  v: 1
  phase: 'transactions' | 'disputes'
  /** The window in progress (null: a new cycle starts at the next fetch). Epoch ms, whole seconds. */
  window: {start: number; end: number; page: number; totalPages: number | null} | null
  /** Where the cycle in progress stops. */
  runEnd: number | null
  /** End of the last completed transactions sweep. */
  completedThrough: number | null
  /** Oldest pending row date seen in the last completed sweep / in the sweep in progress. */
  pendingFrom: number | null
  pendingSeen: number | null
  disputes: {after: string | null; maxSeen: string | null; pageToken: string | null}
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null)

/** The stored cursor, or a fresh one. A cursor this version cannot read restarts from scratch (re-reads, never skips). */
export function readCursor(cursor: Cursor | null): PaypalCursor {
  const c = (cursor ?? {}) as Record<string, unknown>
  const fresh: PaypalCursor = {
    v: 1,
    phase: 'transactions',
    window: null,
    runEnd: null,
    completedThrough: null,
    pendingFrom: null,
    pendingSeen: null,
    disputes: {after: null, maxSeen: null, pageToken: null},
  }
  if (c.v !== 1 || (c.phase !== 'transactions' && c.phase !== 'disputes')) return fresh
  const w = c.window as Record<string, unknown> | null | undefined
  const window =
    w && num(w.start) !== null && num(w.end) !== null && num(w.page) !== null
      ? {start: w.start as number, end: w.end as number, page: w.page as number, totalPages: num(w.totalPages)}
      : null
  const d = (c.disputes ?? {}) as Record<string, unknown>
  return {
    v: 1,
    phase: c.phase,
    window,
    runEnd: num(c.runEnd),
    completedThrough: num(c.completedThrough),
    pendingFrom: num(c.pendingFrom),
    pendingSeen: num(c.pendingSeen),
    disputes: {after: str(d.after), maxSeen: str(d.maxSeen), pageToken: str(d.pageToken)},
  }
}

const seconds = (ms: number): number => Math.floor(ms / 1000) * 1000

/** Opens the first window of a new cycle at `now`. */
export function startCycle(state: PaypalCursor, now: number, since: string | undefined): PaypalCursor {
  const runEnd = seconds(now)
  const floor = runEnd - HISTORY_MS
  let from: number
  if (state.completedThrough !== null) {
    from = state.completedThrough - LATE_MS
    if (state.pendingFrom !== null)
      from = Math.min(from, Math.max(state.pendingFrom, state.completedThrough - PENDING_LOOKBACK_MAX_MS))
  } else {
    const sinceMs = since === undefined ? Number.NaN : Date.parse(since)
    from = Number.isNaN(sinceMs) ? floor : sinceMs
  }
  from = seconds(Math.max(floor, Math.min(from, runEnd)))
  return {
    ...state,
    phase: 'transactions',
    runEnd,
    pendingSeen: null,
    window: {start: from, end: Math.min(from + MAX_WINDOW_MS, runEnd), page: 1, totalPages: null},
  }
}

/** After a transactions page: the next page, the next window, or the disputes phase. */
export function afterTransactionsPage(
  state: PaypalCursor,
  totalPages: number,
  oldestPendingOnPage: number | null,
): PaypalCursor {
  const window = state.window!
  const pendingSeen =
    oldestPendingOnPage === null
      ? state.pendingSeen
      : state.pendingSeen === null
        ? oldestPendingOnPage
        : Math.min(state.pendingSeen, oldestPendingOnPage)
  if (window.page < totalPages) return {...state, pendingSeen, window: {...window, page: window.page + 1, totalPages}}
  const runEnd = state.runEnd!
  if (window.end < runEnd) {
    return {
      ...state,
      pendingSeen,
      window: {start: window.end, end: Math.min(window.end + MAX_WINDOW_MS, runEnd), page: 1, totalPages: null},
    }
  }
  return {
    ...state,
    phase: 'disputes',
    window: null,
    completedThrough: runEnd,
    pendingFrom: pendingSeen,
    pendingSeen: null,
    disputes: {...state.disputes, maxSeen: null, pageToken: null},
  }
}

/** `update_time_after` for the disputes listing, or undefined for everything. */
export function disputesAfter(state: PaypalCursor): string | undefined {
  const after = state.disputes.after
  return after === null ? undefined : new Date(Date.parse(after) - LATE_MS).toISOString()
}

export function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return Date.parse(b) > Date.parse(a) ? b : a
}

/** After a disputes page: the next page, or the end of the cycle. */
export function afterDisputesPage(
  state: PaypalCursor,
  pageMaxSeen: string | null,
  nextToken: string | null,
): {next: PaypalCursor; hasMore: boolean} {
  const maxSeen = laterOf(state.disputes.maxSeen, pageMaxSeen)
  if (nextToken) return {next: {...state, disputes: {...state.disputes, maxSeen, pageToken: nextToken}}, hasMore: true}
  return {
    next: {
      ...state,
      phase: 'transactions',
      window: null,
      runEnd: null,
      disputes: {after: laterOf(state.disputes.after, maxSeen), maxSeen: null, pageToken: null},
    },
    hasMore: false,
  }
}

/** Reads a minimal page: one row of the last day's transactions (needs the Transaction Search permission). */
export async function probeTransactionSearch(api: PaypalApi, now: number, signal?: AbortSignal): Promise<void> {
  const query = {start_date: toPaypalTime(now - 86_400_000), end_date: toPaypalTime(now), page_size: 1, page: 1}
  await api.get('/v1/reporting/transactions', query, 'GET /v1/reporting/transactions', signal)
}

/** One page of the cycle the cursor is in; a cursor between cycles opens a new one at `now`. */
export function fetchPaypalPage(
  api: PaypalApi,
  ctx: TranslateContext,
  cursor: PaypalCursor,
  at: {now: number; since?: string},
  signal?: AbortSignal,
): Promise<Page> {
  const state =
    cursor.phase === 'transactions' && cursor.window === null ? startCycle(cursor, at.now, at.since) : cursor
  return state.phase === 'transactions'
    ? transactionsPage(api, ctx, state, signal)
    : disputesPage(api, ctx, state, signal)
}

async function transactionsPage(
  api: PaypalApi,
  ctx: TranslateContext,
  state: PaypalCursor,
  signal?: AbortSignal,
): Promise<Page> {
  const w = state.window!
  const endpoint = 'GET /v1/reporting/transactions'
  const query = {
    start_date: toPaypalTime(w.start),
    end_date: toPaypalTime(w.end),
    fields: 'all',
    balance_affecting_records_only: 'N', // denied and pending payments too
    page_size: TXN_PAGE_SIZE,
    page: w.page,
  }
  const body = SearchResponseSchema.safeParse(await api.get('/v1/reporting/transactions', query, endpoint, signal))
  if (!body.success) throw envelopeError(endpoint, body.error)
  const items: FetchedTxn[] = []
  const invalid: Quarantined[] = []
  const skipped: Skipped[] = []
  let oldestPending: number | null = null
  for (const raw of body.data.transaction_details) {
    const t = translateTransaction(raw, ctx)
    if ('skipped' in t) {
      skipped.push(t.skipped)
      continue
    }
    if (!t.ok) {
      invalid.push(t.item)
      continue
    }
    items.push(t.item)
    if (t.item.txn.status === 'pending') {
      const at = Date.parse(t.item.txn.occurredAt)
      oldestPending = oldestPending === null ? at : Math.min(oldestPending, at)
    }
  }
  return {
    items,
    invalid,
    skipped,
    next: afterTransactionsPage(state, body.data.total_pages, oldestPending) as unknown as Cursor,
    hasMore: true,
  }
}

async function disputesPage(
  api: PaypalApi,
  ctx: TranslateContext,
  state: PaypalCursor,
  signal?: AbortSignal,
): Promise<Page> {
  const endpoint = 'GET /v1/customer/disputes'
  const query: HttpRequest['query'] = {page_size: DISPUTE_PAGE_SIZE}
  if (state.disputes.pageToken) query.next_page_token = state.disputes.pageToken
  else query.update_time_after = disputesAfter(state)
  const body = DisputeListSchema.safeParse(await api.get('/v1/customer/disputes', query, endpoint, signal))
  if (!body.success) throw envelopeError(endpoint, body.error)
  const items: FetchedTxn[] = []
  const invalid: Quarantined[] = []
  let maxSeen: string | null = null
  for (const raw of body.data.items ?? []) {
    const summary = DisputeSummarySchema.safeParse(raw)
    if (!summary.success) {
      invalid.push({
        externalId: disputeIdOf(raw),
        reason: 'invalid_payload',
        detail: `dispute summary: ${describeIssues(summary.error)}`,
        raw,
      })
      continue
    }
    const updated = Date.parse(summary.data.update_time)
    if (!Number.isNaN(updated)) maxSeen = laterOf(maxSeen, new Date(updated).toISOString())
    // List items are summaries; the disputed transaction (the parent) is only in the detail.
    const detail =
      'disputed_transactions' in summary.data
        ? raw
        : await api.get(
            `/v1/customer/disputes/${encodeURIComponent(summary.data.dispute_id)}`,
            undefined,
            'GET /v1/customer/disputes/{id}',
            signal,
          )
    const t = translateDispute(detail, ctx)
    if (t.ok) items.push(t.item)
    else invalid.push(t.item)
  }
  const {next, hasMore} = afterDisputesPage(state, maxSeen, nextPageToken(body.data.links ?? []))
  return {items, invalid, next: next as unknown as Cursor, hasMore}
}

function disputeIdOf(raw: unknown): string | null {
  const id = typeof raw === 'object' && raw !== null ? (raw as {dispute_id?: unknown}).dispute_id : undefined
  return typeof id === 'string' ? id : null
}

/** `next_page_token` from the `next` link, or null on the last page. */
export function nextPageToken(links: readonly {href: string; rel: string}[]): string | null {
  const next = links.find((l) => l.rel === 'next')
  if (!next) return null
  try {
    return new URL(next.href, 'https://api-m.paypal.com').searchParams.get('next_page_token')
  } catch {
    return null
  }
}
