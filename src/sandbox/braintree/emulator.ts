import {timingSafeEqual} from 'node:crypto'

import {parseGatewayDecimal} from '../../core/money.js'
import type {Decision} from '../../core/transaction.js'
import type {EmulatorOptions, EmulatorRequest, EmulatorResponse, GatewayEmulator, SignedWebhook} from '../emulator.js'
import {DUPLICATE_HINT_HEADER} from '../faults.js'
import type {DeclineReason, ScenarioEvent} from '../model.js'
import {datetime, renderDispute, renderTransaction} from './render.js'
import {APPROVED, braintreeIdFor, buildWorld, type BtTxn, DECLINES, disputeStatusAt, enteredAt, merchantAccountFor, statusAt} from './world.js'
import {signBraintreePayload} from '../../gateways/braintree/webhook.js'
import {el, wrap, XML_DECLARATION} from '../../gateways/braintree/xml.js'
import {facts} from '../../gateways/braintree/facts.js'

/**
 * Braintree's classic gateway over the scenario (GATEWAYS.md §5): Basic auth with public:private key,
 * X-ApiVersion required, JSON requests, XML answers, under /merchants/{merchant_id}/…
 *   POST transactions/advanced_search_ids   search-results (page-size 50, ids)
 *   POST transactions/advanced_search       credit-card-transactions collection for ≤ page-size ids
 *   POST disputes/advanced_search?page=N    disputes collection, 50 per page
 *   POST transactions                       a sale on a stored token (201, or 422 api-error-response)
 *   GET  transactions/{id}
 * Sandbox amounts as at Braintree: a sale of 2000.00–3000.99 is processor_declined with the whole part as
 * the processor response code. A sale submitted for settlement settles `settleDelayMs` later.
 */
export interface BraintreeEmulatorOptions extends EmulatorOptions {
  /** Most ids one search returns (⚠ Braintree is said to cap at 20,000). */
  searchLimit?: number
  settleDelayMs?: number
}

export const EMULATOR_CREDENTIALS = {merchantId: 'yms_sandbox_merchant', publicKey: 'sandbox_public_key', privateKey: 'sandbox_private_key'}
const PAGE_SIZE = 50
const CURRENCIES = ['EUR', 'USD', 'JPY', 'KWD']

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

/** Emulator-side view of the sandbox decline codes (independent of the adapter's classify.ts). */
const SANDBOX_CODES: Readonly<Record<string, {text: string; type: string}>> = {
  '2000': {text: 'Do Not Honor', type: 'soft_declined'},
  '2001': {text: 'Insufficient Funds', type: 'soft_declined'},
  '2004': {text: 'Expired Card', type: 'hard_declined'},
  '2012': {text: 'Processor Declined - Possible Lost Card', type: 'hard_declined'},
  '2013': {text: 'Processor Declined - Possible Stolen Card', type: 'hard_declined'},
  '2046': {text: 'Declined', type: 'soft_declined'},
  '3000': {text: 'Processor Network Unavailable - Try Again', type: 'soft_declined'},
}

const xml = (status: number, body: string): EmulatorResponse => ({
  status,
  headers: {'content-type': 'application/xml; charset=utf-8'},
  body: XML_DECLARATION + body,
})

function apiError(message: string, errors: {code: string; attribute: string; message: string}[], extra = ''): EmulatorResponse {
  const list = errors.map((e) => wrap('error', el('code', e.code) + el('attribute', e.attribute, {type: 'symbol'}) + el('message', e.message))).join('')
  const body = wrap('errors', wrap('errors', '', {type: 'array'}) + (list ? wrap('transaction', wrap('errors', list, {type: 'array'})) : ''))
  return xml(422, wrap('api-error-response', body + el('message', message) + wrap('params', '') + extra))
}

type Range = {min?: number; max?: number; is?: number}
class BadSearch extends Error {}

function timeOf(value: unknown, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value) : Number.NaN
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
  if (!value || typeof value !== 'object' || typeof (value as {is?: unknown}).is !== 'string') throw new BadSearch(`${field} supports only {"is": …}`)
  return (value as {is: string}).is
}

type TxnFilter = (t: BtTxn, now: number) => boolean

function transactionFilter(search: Record<string, unknown>): {filter: TxnFilter; ids: Set<string> | null} {
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

function parseSearch(req: EmulatorRequest): Record<string, unknown> {
  let body: unknown
  try {
    body = JSON.parse(req.rawBody.toString('utf8') || '{}')
  } catch {
    throw new BadSearch('the body is not JSON')
  }
  const search = (body as {search?: unknown} | null)?.search ?? {}
  if (typeof search !== 'object' || search === null || Array.isArray(search)) throw new BadSearch('search must be an object')
  return search as Record<string, unknown>
}

export function createBraintreeEmulator(opts: BraintreeEmulatorOptions): GatewayEmulator {
  const world = buildWorld(opts.scenario, opts.share)
  const searchLimit = opts.searchLimit ?? 20_000
  const settleDelayMs = opts.settleDelayMs ?? 3_600_000
  const {merchantId, publicKey, privateKey} = EMULATOR_CREDENTIALS
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${publicKey}:${privateKey}`).toString('base64')}`)
  let createdSeq = 0

  const authorized = (req: EmulatorRequest): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '')
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth)
  }

  function searchIds(req: EmulatorRequest, now: number): EmulatorResponse {
    const {filter, ids} = transactionFilter(parseSearch(req))
    const found: string[] = []
    for (const t of world.txns) {
      if (found.length >= searchLimit) break
      if (t.createdAt <= now && (ids === null || ids.has(t.id)) && filter(t, now)) found.push(t.id)
    }
    return xml(200, wrap('search-results', el('page-size', PAGE_SIZE, {type: 'integer'}) + wrap('ids', found.map((id) => el('item', id)).join(''), {type: 'array'})))
  }

  function searchTransactions(req: EmulatorRequest, now: number): EmulatorResponse {
    const {filter, ids} = transactionFilter(parseSearch(req))
    if (ids === null) return apiError('Search must include ids', [])
    if (ids.size > PAGE_SIZE) return apiError(`At most ${PAGE_SIZE} ids per page`, [])
    const found: BtTxn[] = []
    for (const id of ids) {
      const t = world.byId.get(id)
      if (t && t.createdAt <= now && filter(t, now)) found.push(t)
    }
    if (req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && found[0]) found.push(found[0])
    const meta = el('current-page-number', 1, {type: 'integer'}) + el('page-size', PAGE_SIZE, {type: 'integer'}) + el('total-items', found.length, {type: 'integer'})
    return xml(200, wrap('credit-card-transactions', meta + found.map((t) => renderTransaction(t, now)).join(''), {type: 'collection'}))
  }

  function searchDisputes(req: EmulatorRequest, now: number): EmulatorResponse {
    const search = parseSearch(req)
    const filters: ((d: (typeof world.disputes)[number]) => boolean)[] = []
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
    const all = world.disputes.filter((d) => d.openedAt <= now && filters.every((f) => f(d)))
    const pageNo = Math.max(1, Number.parseInt(req.query.get('page') ?? '1', 10) || 1)
    const page = all.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE)
    if (req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && page[0]) page.push(page[0])
    const meta = el('current-page-number', pageNo, {type: 'integer'}) + el('page-size', PAGE_SIZE, {type: 'integer'}) + el('total-items', all.length, {type: 'integer'})
    return xml(200, wrap('disputes', meta + page.map((d) => renderDispute(d, now)).join(''), {type: 'collection'}))
  }

  function sale(req: EmulatorRequest, now: number): EmulatorResponse {
    let body: {transaction?: Record<string, unknown>}
    try {
      body = JSON.parse(req.rawBody.toString('utf8')) as typeof body
    } catch {
      return apiError('Request body is not JSON', [])
    }
    const tx = body?.transaction ?? {}
    const errors: {code: string; attribute: string; message: string}[] = []
    if (tx.type !== 'sale') errors.push({code: '91523', attribute: 'type', message: 'Transaction type is invalid.'})
    const accountId = typeof tx.merchant_account_id === 'string' ? tx.merchant_account_id : merchantAccountFor('USD')
    const currency = CURRENCIES.find((c) => merchantAccountFor(c) === accountId)
    if (!currency) errors.push({code: '91513', attribute: 'merchant_account_id', message: 'Merchant account ID is invalid.'})
    let amount = null
    if (typeof tx.amount !== 'string' || tx.amount === '') errors.push({code: '81502', attribute: 'amount', message: 'Amount is required.'})
    else if (currency) {
      try {
        amount = parseGatewayDecimal(tx.amount, currency, facts.wire, 'amount')
        if (amount.minor <= 0) throw new Error('not positive')
      } catch {
        errors.push({code: '81503', attribute: 'amount', message: 'Amount is an invalid format.'})
      }
    }
    const token = typeof tx.payment_method_token === 'string' ? tx.payment_method_token : null
    const owner = token ? world.tokens.get(token) : undefined
    if (!owner) errors.push({code: '91518', attribute: 'payment_method_token', message: 'Payment method token is invalid.'})
    const customerId = typeof tx.customer_id === 'string' ? tx.customer_id : null
    if (customerId !== null && (!world.customers.has(customerId) || (owner && owner.customerId !== customerId))) {
      errors.push({code: '91510', attribute: 'customer_id', message: 'Customer ID is invalid.'})
    }
    if (errors.length > 0 || !amount || !owner || !currency) return apiError(errors.map((e) => e.message).join('\n'), errors)

    const whole = Number(String(tx.amount).split('.')[0])
    const declineCode = whole >= 2000 && whole <= 3000 ? String(whole) : null
    const submit = (tx.options as {submit_for_settlement?: unknown} | undefined)?.submit_for_settlement === true
    const id = braintreeIdFor('payment', `p${900_000_000 + ++createdSeq}`)
    const history = declineCode
      ? [{status: 'processor_declined', at: now}]
      : submit
        ? [
            {status: 'authorized', at: now},
            {status: 'submitted_for_settlement', at: now},
            {status: 'settled', at: now + settleDelayMs},
          ]
        : [{status: 'authorized', at: now}]
    const known = declineCode ? SANDBOX_CODES[declineCode] : undefined
    const t: BtTxn = {
      id,
      type: 'sale',
      amount,
      customerId: owner.customerId,
      customer: {firstName: '', lastName: '', email: ''},
      paymentMethodToken: token,
      orderId: typeof tx.order_id === 'string' ? tx.order_id : null,
      merchantAccountId: accountId,
      createdAt: now,
      history,
      processor: declineCode ? {code: declineCode, text: known?.text ?? 'Processor Declined', type: known?.type ?? 'soft_declined'} : APPROVED,
      settlement: null,
      gatewayRejectionReason: null,
      refundedTransactionId: null,
      refunds: [],
      disputes: [],
    }
    world.txns.push(t)
    world.byId.set(id, t)
    if (declineCode) {
      return xml(422, wrap('api-error-response', wrap('errors', wrap('errors', '', {type: 'array'})) + el('message', t.processor.text) + wrap('params', '') + renderTransaction(t, now)))
    }
    return xml(201, renderTransaction(t, now))
  }

  function handle(req: EmulatorRequest): EmulatorResponse {
    const now = opts.clock.now()
    if (!authorized(req)) return {status: 401, headers: {'content-type': 'text/plain'}, body: ''}
    const version = Number.parseInt(req.headers['x-apiversion'] ?? '', 10)
    // The SDK maps 426 to UpgradeRequired: "the API version sent is too old or missing". ⚠ the real gateway's
    // answer to a missing header was not observed; 426 is what the SDK is prepared for.
    if (!Number.isInteger(version) || version < 4) return {status: 426, headers: {'content-type': 'text/plain'}, body: ''}
    const prefix = `/merchants/${merchantId}/`
    if (!req.path.startsWith(prefix)) return {status: 404, headers: {'content-type': 'text/plain'}, body: ''}
    const route = `${req.method} ${req.path.slice(prefix.length)}`
    try {
      if (route === 'POST transactions/advanced_search_ids') return searchIds(req, now)
      if (route === 'POST transactions/advanced_search') return searchTransactions(req, now)
      if (route === 'POST disputes/advanced_search') return searchDisputes(req, now)
      if (route === 'POST transactions') return sale(req, now)
      const find = /^GET transactions\/([a-z0-9]+)$/.exec(route)
      if (find) {
        const t = world.byId.get(find[1] as string)
        if (t && t.createdAt <= now) return xml(200, renderTransaction(t, now))
      }
    } catch (error) {
      if (error instanceof BadSearch) return apiError(error.message, [])
      throw error
    }
    return {status: 404, headers: {'content-type': 'text/plain'}, body: ''}
  }

  function notification(kind: string, at: number, subject: string, subjectId: string, targetUrl: string): SignedWebhook {
    void targetUrl // Braintree signs the payload only, not the destination
    const timestamp = datetime(at)
    const doc = `<notification>${el('timestamp', timestamp, {type: 'datetime'})}${el('kind', kind)}<subject>${subject}</subject></notification>`
    const payload = `${Buffer.from(doc).toString('base64')}\n`
    const body = new URLSearchParams({bt_signature: signBraintreePayload(publicKey, privateKey, payload), bt_payload: payload}).toString()
    return {at: new Date(at).toISOString(), dedupId: `${kind}:${subjectId}:${timestamp}`, headers: {'content-type': 'application/x-www-form-urlencoded'}, body}
  }

  return {
    kind: 'braintree',
    secrets: {private_key: privateKey},
    settings: {merchant_id: merchantId, public_key: publicKey, merchant_accounts: CURRENCIES.map((c) => `${c}:${merchantAccountFor(c)}`).join(',')},
    handle,
    /**
     * Braintree announces settlement, settlement declines and dispute changes; it has no webhook for a sale
     * being created or declined, nor for refunds (only refund_failed): those are seen by the pull.
     */
    webhooks(events: readonly ScenarioEvent[], targetUrl: string): SignedWebhook[] {
      const out: SignedWebhook[] = []
      for (const e of events) {
        const at = Date.parse(e.at)
        const sale = world.byId.get(braintreeIdFor('payment', e.payment.key))
        if (!sale) continue
        const status = statusAt(sale, at)?.status
        if ((e.type === 'payment.created' || e.type === 'payment.succeeded') && status === 'settled') {
          out.push(notification('transaction_settled', at, renderTransaction(sale, at), sale.id, targetUrl))
        } else if (e.type === 'payment.failed' && status === 'settlement_declined') {
          out.push(notification('transaction_settlement_declined', at, renderTransaction(sale, at), sale.id, targetUrl))
        } else if ((e.type === 'dispute.opened' || e.type === 'dispute.closed') && sale.disputes[0]) {
          const d = sale.disputes[0]
          const state = disputeStatusAt(d, at)
          if (!state) continue
          const kind = e.type === 'dispute.opened' ? 'dispute_opened' : `dispute_${state.status}`
          out.push(notification(kind, at, renderDispute(d, at), d.id, targetUrl))
        }
      }
      return out
    },
    externalId: braintreeIdFor,
    declineFor(reason: DeclineReason): {code: string; decision: Decision} {
      const d = DECLINES[reason]
      return {code: d.code, decision: d.decision}
    },
  }
}

