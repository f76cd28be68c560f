import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import {DUPLICATE_HINT_HEADER} from '../faults.js'
import {disputeFilter, parseSearch, transactionFilter} from './criteria.js'
import {renderDispute, renderTransaction} from './render.js'
import {apiErrorResponse, xmlResponse} from './respond.js'
import type {BtTxn, World} from './world.js'
import {el, wrap} from './xml-writer.js'

/**
 * The three searches (docs/gateways.md#braintree-listing): ids first, then the transactions of at most one page of
 * those ids; disputes in numbered pages. Objects whose time has not come by `now` do not exist yet.
 */
const PAGE_SIZE = 50

const pageMeta = (page: number, total: number): string =>
  el('current-page-number', page, {type: 'integer'}) +
  el('page-size', PAGE_SIZE, {type: 'integer'}) +
  el('total-items', total, {type: 'integer'})

/** POST transactions/advanced_search_ids: every matching id, up to `limit` (Braintree's cap on results). */
export function searchIds(world: World, req: EmulatorRequest, now: number, limit: number): EmulatorResponse {
  const {filter, ids} = transactionFilter(parseSearch(req))
  const found: string[] = []
  for (const t of world.txns) {
    if (found.length >= limit) break
    if (t.createdAt <= now && (ids === null || ids.has(t.id)) && filter(t, now)) found.push(t.id)
  }
  return xmlResponse(
    200,
    wrap(
      'search-results',
      el('page-size', PAGE_SIZE, {type: 'integer'}) +
        wrap('ids', found.map((id) => el('item', id)).join(''), {type: 'array'}),
    ),
  )
}

/** POST transactions/advanced_search: the transactions of the listed ids (at most a page) that still match. */
export function searchTransactions(world: World, req: EmulatorRequest, now: number): EmulatorResponse {
  const {filter, ids} = transactionFilter(parseSearch(req))
  if (ids === null) return apiErrorResponse('Search must include ids', [])
  if (ids.size > PAGE_SIZE) return apiErrorResponse(`At most ${PAGE_SIZE} ids per page`, [])
  const found: BtTxn[] = []
  for (const id of ids) {
    const t = world.byId.get(id)
    if (t && t.createdAt <= now && filter(t, now)) found.push(t)
  }
  if (req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && found[0]) found.push(found[0])
  return xmlResponse(
    200,
    wrap('credit-card-transactions', pageMeta(1, found.length) + found.map((t) => renderTransaction(t, now)).join(''), {
      type: 'collection',
    }),
  )
}

/** POST disputes/advanced_search?page=N. */
export function searchDisputes(world: World, req: EmulatorRequest, now: number): EmulatorResponse {
  const matches = disputeFilter(parseSearch(req), now)
  const all = world.disputes.filter((d) => d.openedAt <= now && matches(d))
  const pageNo = Math.max(1, Number.parseInt(req.query.get('page') ?? '1', 10) || 1)
  const page = all.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE)
  if (req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && page[0]) page.push(page[0])
  return xmlResponse(
    200,
    wrap('disputes', pageMeta(pageNo, all.length) + page.map((d) => renderDispute(d, now)).join(''), {
      type: 'collection',
    }),
  )
}
