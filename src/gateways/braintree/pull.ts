import type {Clock} from '../../core/clock.js'
import type {Cursor} from '../../core/cursor.js'
import type {FetchedTxn, Quarantined} from '../../core/transaction.js'
import {collect} from '../translate-kit.js'
import type {Page} from '../types.js'
import {BraintreeApiError} from './api-error.js'
import {type BraintreeApi, toApiError} from './api.js'
import {
  afterWindow,
  type Cycle,
  disputeCriteria,
  isIso,
  MAX_CHUNK,
  nextPass,
  type Pass,
  shouldSplit,
  splitWindow,
  startCycle,
  transactionCriteria,
  TXN_PASSES,
  type TxnPass,
  type Window,
} from './cycle.js'
import {CollectionSchema, describeIssues, SearchResultsSchema} from './schema.js'
import {type TranslateContext, translateDispute, translateTransaction} from './translate.js'
import {asList, isXmlObject} from './xml.js'

/**
 * The Braintree pull runs the searches cycle.ts plans (docs/gateways.md#braintree-listing), one HTTP request per
 * fetchPage:
 *   POST /merchants/{id}/transactions/advanced_search_ids {"search":{<criteria>}}      -> ids (page-size 50)
 *   POST /merchants/{id}/transactions/advanced_search     {"search":{<criteria>,"ids":[≤50]}} -> transactions
 *   POST /merchants/{id}/disputes/advanced_search?page=N  {"search":{"effective_date":{"min":…}}} -> disputes
 * The cursor holds the watermark (where the last finished cycle ended), the window, the ids not yet fetched and
 * the position, so a crash repeats at most one chunk.
 */
export interface BraintreeCursor {
  v: 1
  watermark: string | null
  cycle: Cycle | null
}

export function readCursor(cursor: Cursor | null): BraintreeCursor {
  const c = cursor as Partial<BraintreeCursor> | null
  if (!c || c.v !== 1) return {v: 1, watermark: null, cycle: null}
  const watermark = isIso(c.watermark) ? c.watermark : null
  const cy = c.cycle as Partial<Cycle> | null | undefined
  const passOk = cy && (cy.pass === 'disputes' || (TXN_PASSES as readonly string[]).includes(cy.pass as string))
  if (!cy || !passOk || !isIso(cy.upper)) return {v: 1, watermark, cycle: null}
  const w = cy.window as Partial<Window> | null | undefined
  return {
    v: 1,
    watermark,
    cycle: {
      lower: isIso(cy.lower) ? cy.lower : null,
      upper: cy.upper,
      pass: cy.pass as Pass,
      window: w && isIso(w.min) && isIso(w.max) && isIso(w.end) ? {min: w.min, max: w.max, end: w.end} : null,
      ids: Array.isArray(cy.ids) ? cy.ids.filter((id): id is string => typeof id === 'string') : null,
      chunk: typeof cy.chunk === 'number' && cy.chunk > 0 ? Math.min(cy.chunk, MAX_CHUNK) : MAX_CHUNK,
      page: typeof cy.page === 'number' && cy.page >= 1 ? cy.page : 1,
    },
  }
}

export interface PullOptions {
  /** Dates a new cycle's upper end. */
  clock: Clock
  /** Where a first cycle starts instead of the whole history. */
  since?: string
  /** Ids per search window before it is halved. */
  windowTarget: number
}

type Collected = {items: FetchedTxn[]; invalid: Quarantined[]}

export async function fetchBraintreePage(
  api: BraintreeApi,
  ctx: TranslateContext,
  cursor: BraintreeCursor,
  opts: PullOptions,
  signal?: AbortSignal,
): Promise<Page> {
  const state =
    cursor.cycle === null ? {...cursor, cycle: startCycle(cursor.watermark, opts.clock.now(), opts.since)} : cursor
  const into: Collected = {items: [], invalid: []}
  let next = await step(api, ctx, state, into, opts.windowTarget, signal)
  // A cycle whose pass cannot start (nothing left) moves on without a request.
  if (next.cycle !== null && next.cycle.pass !== 'disputes' && next.cycle.window === null)
    next = {...next, cycle: nextPass(next.cycle).cycle}
  return {items: into.items, invalid: into.invalid, next: next as unknown as Cursor, hasMore: next.cycle !== null}
}

/** One request of the cycle in progress, its objects collected into `into`; returns where the next one starts. */
async function step(
  api: BraintreeApi,
  ctx: TranslateContext,
  state: BraintreeCursor,
  into: Collected,
  windowTarget: number,
  signal?: AbortSignal,
): Promise<BraintreeCursor> {
  const cycle = state.cycle as Cycle
  if (cycle.pass === 'disputes') {
    const last = await disputesPage(api, ctx, cycle, into, signal)
    if (!last) return {...state, cycle: {...cycle, page: cycle.page + 1}}
    return {v: 1, watermark: cycle.upper, cycle: null}
  }
  const pass = cycle.pass
  if (cycle.ids === null) {
    const {ids, pageSize} = await searchIds(api, pass, cycle, signal)
    const window = cycle.window as NonNullable<Cycle['window']>
    if (shouldSplit(window, ids.length, windowTarget)) return {...state, cycle: {...cycle, window: splitWindow(window)}}
    if (ids.length === 0) return {...state, cycle: afterWindow(cycle).cycle}
    return {...state, cycle: {...cycle, ids, chunk: Math.min(pageSize, MAX_CHUNK)}}
  }
  const chunk = cycle.ids.slice(0, cycle.chunk)
  const rest = cycle.ids.slice(cycle.chunk)
  if (chunk.length > 0) await transactionsPage(api, ctx, pass, cycle, chunk, into, signal)
  if (rest.length > 0) return {...state, cycle: {...cycle, ids: rest}}
  return {...state, cycle: afterWindow(cycle).cycle}
}

async function searchIds(
  api: BraintreeApi,
  pass: TxnPass,
  cycle: Cycle,
  signal?: AbortSignal,
): Promise<{ids: string[]; pageSize: number}> {
  const endpoint = 'POST /transactions/advanced_search_ids'
  const window = cycle.window as NonNullable<Cycle['window']>
  const answer = await api.post(
    '/transactions/advanced_search_ids',
    endpoint,
    {search: transactionCriteria(pass, window, cycle)},
    signal,
  )
  if (answer.status !== 200 || answer.root !== 'search-results') throw toApiError(answer, endpoint)
  const parsed = SearchResultsSchema.safeParse(answer.value)
  if (!parsed.success)
    throw new BraintreeApiError(answer.status, endpoint, `unexpected search-results: ${describeIssues(parsed.error)}`)
  return {ids: [...new Set(parsed.data.ids)], pageSize: parsed.data['page-size']}
}

async function transactionsPage(
  api: BraintreeApi,
  ctx: TranslateContext,
  pass: TxnPass,
  cycle: Cycle,
  ids: string[],
  into: Collected,
  signal?: AbortSignal,
): Promise<void> {
  const endpoint = 'POST /transactions/advanced_search'
  const window = cycle.window as NonNullable<Cycle['window']>
  const {status, root, value, text} = await api.post(
    '/transactions/advanced_search',
    endpoint,
    {search: {...transactionCriteria(pass, window, cycle), ids}},
    signal,
  )
  if (status === 200 && root === null) {
    // A 200 whose body is not XML: nothing here can be read, but it is kept rather than skipped silently.
    into.invalid.push({
      externalId: null,
      reason: 'invalid_payload',
      detail: `${endpoint}: the body is not well-formed XML (ids ${ids.join(',')})`,
      raw: text,
    })
    return
  }
  if (status !== 200 || root !== 'credit-card-transactions' || !isXmlObject(value))
    throw toApiError({status, root, value}, endpoint)
  for (const raw of asList(value.transaction)) collect(translateTransaction(raw, ctx), into)
}

/** Reads one page of disputes; true when it was the last. */
async function disputesPage(
  api: BraintreeApi,
  ctx: TranslateContext,
  cycle: Cycle,
  into: Collected,
  signal?: AbortSignal,
): Promise<boolean> {
  const endpoint = 'POST /disputes/advanced_search'
  const {status, root, value, text} = await api.post(
    '/disputes/advanced_search',
    endpoint,
    {search: disputeCriteria(cycle)},
    signal,
    {page: String(cycle.page)},
  )
  if (status === 200 && root === null) {
    into.invalid.push({
      externalId: null,
      reason: 'invalid_payload',
      detail: `${endpoint} page ${cycle.page}: the body is not well-formed XML`,
      raw: text,
    })
    return true
  }
  if (status !== 200 || root !== 'disputes' || !isXmlObject(value)) throw toApiError({status, root, value}, endpoint)
  const meta = CollectionSchema.safeParse(value)
  if (!meta.success)
    throw new BraintreeApiError(status, endpoint, `unexpected disputes collection: ${describeIssues(meta.error)}`)
  const raws = asList(value.dispute)
  for (const raw of raws) collect(translateDispute(raw, ctx), into)
  return raws.length === 0 || cycle.page * meta.data['page-size'] >= meta.data['total-items']
}
