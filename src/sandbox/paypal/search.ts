import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import {DUPLICATE_HINT_HEADER} from '../faults.js'
import {derive} from './ids.js'
import {invalidRequest, json} from './responses.js'
import type {PaypalWorld} from './world.js'

/**
 * `GET /v1/reporting/transactions` (docs/gateways.md#paypal-transaction-search): RFC 3339 `start_date` and
 * `end_date` at most 31 days apart, `page`/`page_size` (1–500), `fields` (default `transaction_info` only) and
 * `balance_affecting_records_only` (default Y: no denied rows). Rows appear `lateMs` after their date.
 */
const MAX_RANGE_MS = 31 * 86_400_000
const RFC3339 =
  /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])[Tt]([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$/

interface SearchQuery {
  start: string
  end: string
  startMs: number
  endMs: number
  page: number
  pageSize: number
  withPayer: boolean
  balanceOnly: boolean
}

export function searchTransactions(world: PaypalWorld, req: EmulatorRequest): EmulatorResponse {
  const q = readQuery(req.query)
  if ('status' in q) return q
  const now = world.clock.now()
  const at = new Date(now).toISOString()
  const fromIso = new Date(q.startMs).toISOString()
  const toIso = new Date(q.endMs).toISOString()
  const matching = world.rows.filter(
    (r) =>
      r.date >= fromIso &&
      r.date <= toIso &&
      Date.parse(r.date) + world.lateMs <= now &&
      !(q.balanceOnly && r.denied(at)),
  )
  const items = matching.slice((q.page - 1) * q.pageSize, q.page * q.pageSize).map((r) => {
    const rendered = r.render(at)
    return q.withPayer ? rendered : {transaction_info: rendered.transaction_info}
  })
  if (req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && items[0]) items.push(items[0])
  return json(200, {
    transaction_details: items,
    account_number: derive(world.seed, 'account', 13),
    start_date: `${q.start.slice(0, 19)}+0000`,
    end_date: `${q.end.slice(0, 19)}+0000`,
    last_refreshed_datetime: `${new Date(now - world.lateMs).toISOString().slice(0, 19)}+0000`,
    page: q.page,
    total_items: matching.length,
    total_pages: Math.ceil(matching.length / q.pageSize),
    links: [{href: `${world.base(req)}/v1/reporting/transactions?${req.query.toString()}`, rel: 'self', method: 'GET'}],
  })
}

/** The query, or the 400 PayPal answers for it. */
function readQuery(q: URLSearchParams): SearchQuery | EmulatorResponse {
  const start = q.get('start_date')
  const end = q.get('end_date')
  for (const [field, value] of [
    ['start_date', start],
    ['end_date', end],
  ] as const) {
    if (value === null)
      return invalidRequest({
        field,
        location: 'query',
        issue: 'MISSING_REQUIRED_PARAMETER',
        description: `${field} is required`,
      })
    if (!RFC3339.test(value))
      return invalidRequest({
        field,
        value,
        location: 'query',
        issue: 'INVALID_PARAMETER_SYNTAX',
        description: `${field} must be an RFC 3339 date-time with seconds`,
      })
  }
  const startMs = Date.parse(start!)
  const endMs = Date.parse(end!)
  // ⚠ PayPal's exact issue code for the range rule is not documented; the description is its wording.
  if (endMs < startMs)
    return invalidRequest({
      field: 'end_date',
      value: end!,
      location: 'query',
      issue: 'INVALID_DATE_RANGE',
      description: 'end_date must not be before start_date',
    })
  if (endMs - startMs > MAX_RANGE_MS)
    return invalidRequest({
      field: 'start_date',
      value: start!,
      location: 'query',
      issue: 'INVALID_DATE_RANGE',
      description: 'Date range is greater than 31 days',
    })
  const pageSize = Number(q.get('page_size') ?? '100')
  const page = Number(q.get('page') ?? '1')
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500)
    return invalidRequest({
      field: 'page_size',
      value: String(q.get('page_size')),
      location: 'query',
      issue: 'INVALID_PARAMETER_VALUE',
      description: 'page_size must be 1 to 500',
    })
  if (!Number.isInteger(page) || page < 1)
    return invalidRequest({
      field: 'page',
      value: String(q.get('page')),
      location: 'query',
      issue: 'INVALID_PARAMETER_VALUE',
      description: 'page must be at least 1',
    })
  const fields = (q.get('fields') ?? 'transaction_info').split(',')
  return {
    start: start!,
    end: end!,
    startMs,
    endMs,
    page,
    pageSize,
    withPayer: fields.includes('all') || fields.includes('payer_info'),
    balanceOnly: (q.get('balance_affecting_records_only') ?? 'Y') !== 'N',
  }
}
