import type {FetchedTxn, Quarantined} from '../../core/transaction.js'
import {deferredPage} from '../page.js'
import type {Page} from '../types.js'
import type {Cursor} from '../../core/cursor.js'
import {StripeApiError} from './api-error.js'
import type {StripeApi} from './api.js'
import {PULLED_EVENT_TYPES, translateEvent} from './events.js'
import {collect} from '../translate-kit.js'
import {readCharge} from './read-charge.js'
import {translateCharge, translateDispute, translateRefund} from './translate.js'

/**
 * How the Stripe pull sees every change (docs/architecture.md#the-gateway-seam: a backfill, then the change feed).
 *
 * 1. `anchor`: before reading anything, remember the newest event (`GET /v1/events?limit=1`). Every change made
 *    from then on is an event newer than the anchor.
 * 2. `backfill`: page through charges, then refunds, then disputes (`created[gte]` = since, newest first,
 *    `starting_after` paging, charges with their balance transaction expanded for the fee). Charges come first
 *    so a refund or dispute never arrives before its payment. Objects created during the backfill are also
 *    in the feed, which is fine: the latest version wins.
 * 3. `events`: walk the feed forward in time from the anchor. Lists are newest first, and `ending_before=X`
 *    returns the `limit` events just newer than X (still newest first, `has_more` = even newer ones exist), so
 *    each page is read in reverse and the newest id becomes the next `ending_before`. Positions are by id, not by
 *    time, so two events in the same second are neither skipped nor repeated. The cursor stays in this phase:
 *    the next run continues from the last event seen.
 *
 * Without an anchor (no event existed when the sync began) there is no id to walk forward from: the feed is
 * first walked back (`starting_after`) to its oldest page, which is then read in reverse.
 * Stripe keeps events for 30 days; when the remembered event has expired (404), the sync starts over with a
 * full backfill, which is idempotent downstream.
 *
 * Charges seen in events carry `balance_transaction` as a bare id, so each one that is not failed is re-read
 * (`GET /v1/charges/:id?expand[]=balance_transaction`, one page each) to learn its fee. Once they are read the feed
 * is always asked again, even when its page said there was nothing newer: a cursor is stored with every page, and a
 * run killed during the re-reads resumes from it later, when that "nothing newer" may long be false. Keeping the
 * flag in the cursor ended such a run after the re-reads, and what was newer came one run late. The price is one
 * request, usually answered empty, per run whose last feed page named charges.
 */
const PAGE_SIZE = 100
const RESOURCES = ['charges', 'refunds', 'disputes'] as const
type Resource = (typeof RESOURCES)[number]

export type StripeCursor =
  | {phase: 'anchor'; since: number | null}
  | {phase: 'backfill'; resource: Resource; after: string | null; since: number | null; anchor: string | null}
  | {phase: 'events'; last: string | null; seekAfter: string | null; refetch: {id: string; at: number}[]}

export function readCursor(cursor: Cursor | null, since?: string): StripeCursor {
  if (cursor === null) return {phase: 'anchor', since: since ? Math.floor(Date.parse(since) / 1000) : null}
  const phase = cursor.phase
  if (phase === 'anchor' || phase === 'backfill' || phase === 'events') return cursor as StripeCursor
  throw new Error(`not a Stripe sync cursor: phase ${JSON.stringify(phase)}`)
}

const eventTypes = {'types[]': PULLED_EVENT_TYPES}

export async function fetchStripePage(
  api: StripeApi,
  provider: string,
  cursor: StripeCursor,
  signal?: AbortSignal,
): Promise<Page> {
  switch (cursor.phase) {
    case 'anchor': {
      const {data} = await api.list('/v1/events', {limit: 1, ...eventTypes}, 'GET /v1/events', signal)
      const anchor = eventId(data[0])
      return page([], [], {phase: 'backfill', resource: 'charges', after: null, since: cursor.since, anchor}, true)
    }
    case 'backfill':
      return backfillPage(api, provider, cursor, signal)
    case 'events':
      return eventsPage(api, provider, cursor, signal)
  }
}

function page(items: FetchedTxn[], invalid: Quarantined[], next: StripeCursor, hasMore: boolean): Page {
  return {items, invalid, next: next as unknown as Cursor, hasMore}
}

const TRANSLATORS: Record<Resource, typeof translateCharge> = {
  charges: translateCharge,
  refunds: translateRefund,
  disputes: translateDispute,
}

async function backfillPage(
  api: StripeApi,
  provider: string,
  cursor: Extract<StripeCursor, {phase: 'backfill'}>,
  signal?: AbortSignal,
): Promise<Page> {
  const query = {
    limit: PAGE_SIZE,
    starting_after: cursor.after ?? undefined,
    'created[gte]': cursor.since ?? undefined,
    'expand[]': cursor.resource === 'charges' ? ['data.balance_transaction'] : undefined,
  }
  const {data, hasMore} = await api.list(`/v1/${cursor.resource}`, query, `GET /v1/${cursor.resource}`, signal)
  // The cursor needs only the last id: the objects are translated once the next request is on its way.
  const translate = () => {
    const items: FetchedTxn[] = []
    const invalid: Quarantined[] = []
    for (const raw of data) collect(TRANSLATORS[cursor.resource](raw, {provider}), {items, invalid})
    return {items, invalid}
  }
  const lastId = eventId(data[data.length - 1])
  const nextResource = RESOURCES[RESOURCES.indexOf(cursor.resource) + 1]
  const next: StripeCursor =
    hasMore && lastId
      ? {...cursor, after: lastId}
      : nextResource
        ? {...cursor, resource: nextResource, after: null}
        : {phase: 'events', last: cursor.anchor, seekAfter: null, refetch: []}
  return deferredPage(next as unknown as Cursor, true, translate)
}

async function eventsPage(
  api: StripeApi,
  provider: string,
  cursor: Extract<StripeCursor, {phase: 'events'}>,
  signal?: AbortSignal,
): Promise<Page> {
  const [head, ...rest] = cursor.refetch
  if (head) return refetchPage(api, provider, cursor, head, rest, signal)

  let listed: {data: unknown[]; hasMore: boolean}
  try {
    listed = await api.list(
      '/v1/events',
      {
        limit: PAGE_SIZE,
        ...eventTypes,
        ending_before: cursor.last ?? undefined,
        starting_after: cursor.last === null ? (cursor.seekAfter ?? undefined) : undefined,
      },
      'GET /v1/events',
      signal,
    )
  } catch (error) {
    if (cursor.last !== null && error instanceof StripeApiError && error.status === 404) {
      // The remembered event is older than Stripe's 30-day retention: start over with a full backfill.
      return page([], [], {phase: 'anchor', since: null}, true)
    }
    throw error
  }
  const {data, hasMore} = listed
  if (cursor.last === null && hasMore && data.length > 0) {
    // Seeking the oldest page. Step back one short of the end so the final page is never empty and the oldest
    // events are read from it.
    const at = data.length >= 2 ? data.length - 2 : data.length - 1
    return page([], [], {...cursor, seekAfter: eventId(data[at])}, true)
  }
  const items: FetchedTxn[] = []
  const invalid: Quarantined[] = []
  const refetch = new Map<string, number>()
  let newest = cursor.last
  for (const raw of [...data].reverse()) {
    const t = translateEvent(raw, provider)
    items.push(...t.items)
    invalid.push(...t.invalid)
    const created = (raw as {created?: unknown}).created
    for (const id of t.refetch) refetch.set(id, typeof created === 'number' ? created : 0)
    newest = eventId(raw) ?? newest
  }
  const queue = [...refetch].map(([id, at]) => ({id, at}))
  // At the end of a seek, has_more spoke of older events; the newer pages stepped over are still to be read.
  const more = cursor.last === null && cursor.seekAfter !== null ? true : hasMore
  const next: StripeCursor = {phase: 'events', last: newest, seekAfter: null, refetch: queue}
  return page(items, invalid, next, more || queue.length > 0)
}

async function refetchPage(
  api: StripeApi,
  provider: string,
  cursor: Extract<StripeCursor, {phase: 'events'}>,
  head: {id: string; at: number},
  rest: {id: string; at: number}[],
  signal?: AbortSignal,
): Promise<Page> {
  // A `more` flag that cursors stored before this rule carry is never read: it is dropped at the next feed page.
  const next: StripeCursor = {...cursor, refetch: rest}
  const {items, invalid} = await readCharge(api, provider, head.id, head.at, signal)
  return page(items, invalid, next, true)
}

function eventId(raw: unknown): string | null {
  return typeof raw === 'object' && raw !== null && typeof (raw as {id?: unknown}).id === 'string'
    ? (raw as {id: string}).id
    : null
}
