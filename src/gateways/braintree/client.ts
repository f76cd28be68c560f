import {z} from 'zod'

import {AuthError, ConfigError} from '../../core/errors.js'
import type {AdapterDeps, CreatePaymentRequest, GatewayClient, HttpResponse, Page, PaymentOutcome, ProviderConfig} from '../types.js'
import type {Cursor} from '../../core/cursor.js'
import {BraintreeApiError, classifyBraintreeError} from './classify.js'
import {createBraintreePayment, lookupBraintreePayment} from './payments.js'
import {ApiErrorResponseSchema, collectValidationErrors, CollectionSchema, describeIssues, SearchResultsSchema} from './schema.js'
import {
  afterWindow,
  DEFAULT_WINDOW_TARGET,
  disputeCriteria,
  MAX_CHUNK,
  nextPass,
  readCursor,
  shouldSplit,
  splitWindow,
  startCycle,
  transactionCriteria,
  type Cycle,
  type SyncCursor,
  type TxnPass,
} from './pull.js'
import {type TranslateContext, translateDispute, translateTransaction} from './translate.js'
import {verifyBraintreeWebhook} from './webhook.js'
import {asList, isXmlObject, parseBraintreeXml, type XmlValue} from './xml.js'

export const BRAINTREE_API_VERSION = '6'

/** `EUR:acct_eur,USD:acct_usd`: the merchant account (hence currency) a sale in each currency is made on. */
const MerchantAccounts = z
  .string()
  .regex(/^[A-Za-z]{3}:[^,:\s]+(,[A-Za-z]{3}:[^,:\s]+)*$/, 'expected CUR:merchant_account_id pairs separated by commas')

export const BraintreeSettingsSchema = z
  .object({
    merchant_id: z.string().min(1),
    public_key: z.string().min(1),
    merchant_accounts: MerchantAccounts.optional(),
  })
  .strict()
  .transform((s): Record<string, string> => ({...s}) as Record<string, string>)

export function parseMerchantAccounts(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>()
  for (const pair of value ? value.split(',') : []) {
    const [currency, account] = pair.split(':')
    if (currency && account) map.set(currency.toUpperCase(), account)
  }
  return map
}

function secretVariable(providerId: string, field: string): string {
  return `YMS_PAY_SECRET_${providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${field.toUpperCase()}`
}

export interface BraintreeConnectOptions {
  /** Ids per search window before it is halved (tests lower it). */
  windowTarget?: number
}

export interface BraintreeApi {
  merchantPath: string
  /** POSTs JSON and reads the XML answer. 401/403 -> AuthError, 404 -> ConfigError; other statuses are returned. */
  post(path: string, endpoint: string, body: unknown, signal?: AbortSignal, query?: Record<string, string>): Promise<{status: number; root: string | null; value: XmlValue | null; text: string}>
}

export type BraintreeClient = GatewayClient & {
  /** Resolves an ambiguous createPayment by looking for the sale by order id (Braintree has no idempotency). */
  lookupPayment(req: CreatePaymentRequest, sinceMs: number, signal?: AbortSignal): Promise<PaymentOutcome>
}

export function connectBraintree(cfg: ProviderConfig, deps: AdapterDeps, opts: BraintreeConnectOptions = {}): BraintreeClient {
  const settings = BraintreeSettingsSchema.parse(cfg.settings)
  const privateKey = cfg.secrets.private_key
  if (!privateKey) {
    throw new ConfigError(
      `provider ${cfg.providerId} has no Braintree private_key`,
      `Store it in the keychain with the providers command, or set ${secretVariable(cfg.providerId, 'private_key')}.`,
    )
  }
  const publicKey = settings.public_key as string
  const merchantId = settings.merchant_id as string
  const accounts = parseMerchantAccounts(settings.merchant_accounts)
  const windowTarget = opts.windowTarget ?? DEFAULT_WINDOW_TARGET
  const ctx: TranslateContext = {providerId: cfg.providerId}
  const authorization = `Basic ${Buffer.from(`${publicKey}:${privateKey}`).toString('base64')}`
  const merchantPath = `/merchants/${encodeURIComponent(merchantId)}`

  const api: BraintreeApi = {
    merchantPath,
    async post(path, endpoint, body, signal, query) {
      const res: HttpResponse = await deps.http.request(
        {
          method: 'POST',
          path: merchantPath + path,
          query,
          endpoint,
          headers: {authorization, 'x-apiversion': BRAINTREE_API_VERSION, accept: 'application/xml', 'content-type': 'application/json'},
          body: JSON.stringify(body),
          // Searches change nothing: re-sending one after a timeout is safe, unlike a sale.
          readOnly: path.endsWith('/advanced_search_ids') || path.endsWith('/advanced_search'),
        },
        signal,
      )
      if (res.status === 401 || res.status === 403) {
        throw new AuthError(
          `Braintree refused the credentials of provider ${cfg.providerId} on ${endpoint} (${res.status})`,
          `Check public_key (a setting) and private_key (${secretVariable(cfg.providerId, 'private_key')}); they must belong to merchant ${merchantId} in this environment.`,
        )
      }
      if (res.status === 404) {
        throw new ConfigError(`Braintree does not know merchant ${merchantId} (${endpoint} answered 404)`, 'Check the merchant_id setting and the base URL (sandbox or production).')
      }
      const text = res.text()
      const parsed = parseBraintreeXml(text)
      return parsed.ok ? {status: res.status, root: parsed.root, value: parsed.value, text} : {status: res.status, root: null, value: null, text}
    },
  }

  function failWith(status: number, endpoint: string, value: XmlValue | null, root: string | null): never {
    if (root === 'api-error-response') {
      const body = ApiErrorResponseSchema.safeParse(value)
      const errors = body.success ? collectValidationErrors(body.data.errors) : []
      throw new BraintreeApiError(status, endpoint, (body.success && body.data.message) || 'validation failed', errors)
    }
    throw new BraintreeApiError(status, endpoint, root === null ? 'the body is not XML' : `unexpected <${root}>`)
  }

  async function searchIds(pass: TxnPass, cycle: Cycle, signal?: AbortSignal): Promise<{ids: string[]; pageSize: number}> {
    const endpoint = 'POST /transactions/advanced_search_ids'
    const window = cycle.window as NonNullable<Cycle['window']>
    const {status, root, value} = await api.post('/transactions/advanced_search_ids', endpoint, {search: transactionCriteria(pass, window, cycle)}, signal)
    if (status !== 200 || root !== 'search-results') failWith(status, endpoint, value, root)
    const parsed = SearchResultsSchema.safeParse(value)
    if (!parsed.success) throw new BraintreeApiError(status, endpoint, `unexpected search-results: ${describeIssues(parsed.error)}`)
    return {ids: [...new Set(parsed.data.ids)], pageSize: parsed.data['page-size']}
  }

  async function transactionsPage(pass: TxnPass, cycle: Cycle, ids: string[], page: Page, signal?: AbortSignal): Promise<void> {
    const endpoint = 'POST /transactions/advanced_search'
    const window = cycle.window as NonNullable<Cycle['window']>
    const {status, root, value, text} = await api.post('/transactions/advanced_search', endpoint, {search: {...transactionCriteria(pass, window, cycle), ids}}, signal)
    if (status === 200 && root === null) {
      // A 200 whose body is not XML: nothing here can be read, but it is kept rather than skipped silently.
      page.invalid.push({externalId: null, reason: 'invalid_payload', detail: `${endpoint}: the body is not well-formed XML (ids ${ids.join(',')})`, raw: text})
      return
    }
    if (status !== 200 || root !== 'credit-card-transactions' || !isXmlObject(value)) failWith(status, endpoint, value, root)
    for (const raw of asList(value.transaction)) {
      const t = translateTransaction(raw, ctx)
      if (t.ok) page.items.push(t.item)
      else page.invalid.push(t.item)
    }
  }

  async function disputesPage(cycle: Cycle, page: Page, signal?: AbortSignal): Promise<boolean> {
    const endpoint = 'POST /disputes/advanced_search'
    const {status, root, value, text} = await api.post('/disputes/advanced_search', endpoint, {search: disputeCriteria(cycle)}, signal, {page: String(cycle.page)})
    if (status === 200 && root === null) {
      page.invalid.push({externalId: null, reason: 'invalid_payload', detail: `${endpoint} page ${cycle.page}: the body is not well-formed XML`, raw: text})
      return true
    }
    if (status !== 200 || root !== 'disputes' || !isXmlObject(value)) failWith(status, endpoint, value, root)
    const meta = CollectionSchema.safeParse(value)
    if (!meta.success) throw new BraintreeApiError(status, endpoint, `unexpected disputes collection: ${describeIssues(meta.error)}`)
    const raws = asList(value.dispute)
    for (const raw of raws) {
      const d = translateDispute(raw, ctx)
      if (d.ok) page.items.push(d.item)
      else page.invalid.push(d.item)
    }
    return raws.length === 0 || cycle.page * meta.data['page-size'] >= meta.data['total-items']
  }

  async function step(state: SyncCursor, page: Page, signal?: AbortSignal): Promise<SyncCursor> {
    const cycle = state.cycle as Cycle
    if (cycle.pass === 'disputes') {
      const last = await disputesPage(cycle, page, signal)
      if (!last) return {...state, cycle: {...cycle, page: cycle.page + 1}}
      return {v: 1, watermark: cycle.upper, cycle: null}
    }
    const pass = cycle.pass
    if (cycle.ids === null) {
      const {ids, pageSize} = await searchIds(pass, cycle, signal)
      const window = cycle.window as NonNullable<Cycle['window']>
      if (shouldSplit(window, ids.length, windowTarget)) return {...state, cycle: {...cycle, window: splitWindow(window)}}
      if (ids.length === 0) return {...state, cycle: afterWindow(cycle).cycle}
      return {...state, cycle: {...cycle, ids, chunk: Math.min(pageSize, MAX_CHUNK)}}
    }
    const chunk = cycle.ids.slice(0, cycle.chunk)
    const rest = cycle.ids.slice(cycle.chunk)
    if (chunk.length > 0) await transactionsPage(pass, cycle, chunk, page, signal)
    if (rest.length > 0) return {...state, cycle: {...cycle, ids: rest}}
    return {...state, cycle: afterWindow(cycle).cycle}
  }

  return {
    async testConnection(signal) {
      // A search that matches nothing: proves the keys, the merchant id and the API version in one call.
      const endpoint = 'POST /transactions/advanced_search_ids'
      const {status, root, value} = await api.post('/transactions/advanced_search_ids', endpoint, {search: {ids: ['yms-pay-connection-test']}}, signal)
      if (status !== 200 || root !== 'search-results') failWith(status, endpoint, value, root)
    },

    async fetchPage(cursor: Cursor | null, signal?: AbortSignal, fetchOpts?: {since?: string}): Promise<Page> {
      let state = readCursor(cursor)
      if (state.cycle === null) state = {...state, cycle: startCycle(state, deps.clock.now(), fetchOpts?.since)}
      const page: Page = {items: [], invalid: [], next: {}, hasMore: false}
      // A cycle whose pass cannot start (nothing left) moves on without a request.
      let next = await step(state, page, signal)
      if (next.cycle !== null && next.cycle.pass !== 'disputes' && next.cycle.window === null) next = {...next, cycle: nextPass(next.cycle).cycle}
      page.next = next as unknown as Cursor
      page.hasMore = next.cycle !== null
      return page
    },

    async verifyWebhook(req) {
      return verifyBraintreeWebhook(req, {publicKey, privateKey}, ctx)
    },

    createPayment(req, signal) {
      return createBraintreePayment(api, ctx, accounts, req, deps.clock, signal)
    },

    lookupPayment(req, sinceMs, signal) {
      return lookupBraintreePayment(api, ctx, req, sinceMs, signal)
    },

    classifyError: classifyBraintreeError,
  }
}
