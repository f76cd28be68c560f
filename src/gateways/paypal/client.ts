import {readFileSync} from 'node:fs'
import type {KeyObject} from 'node:crypto'

import {z} from 'zod'

import {AuthError} from '../../core/errors.js'
import type {AdapterDeps, GatewayClient, HttpRequest, HttpResponse, Page, ProviderConfig} from '../types.js'
import type {Cursor} from '../../core/cursor.js'
import {classifyPaypalError, PaypalApiError} from './classify.js'
import {createAuthorizedHttp, secretVariable} from './oauth.js'
import {createPaypalPayment} from './payments.js'
import {describeIssues, DisputeListSchema, DisputeSummarySchema, ErrorBodySchema, firstField, SearchResponseSchema} from './schema.js'
import {publicKeyFromPem} from './signature.js'
import {
  afterDisputesPage,
  afterTransactionsPage,
  DISPUTE_PAGE_SIZE,
  disputesAfter,
  laterOf,
  readCursor,
  startCycle,
  type SyncCursor,
  TXN_PAGE_SIZE,
} from './sync-cursor.js'
import {toPaypalTime} from './time.js'
import {type TranslateContext, translateDispute, translateTransaction} from './translate.js'
import {verifyPaypalWebhook} from './webhook.js'

/**
 * Settings: `webhook_id` (the id PayPal gave the webhook subscription; signed into every delivery, so webhooks
 * cannot be verified without it; pull does not need it) and `webhook_cert_pem_file` (optional: a PEM certificate,
 * or public key, to verify webhooks offline instead of asking PayPal's verification API; see webhook.ts).
 */
export const PaypalSettingsSchema = z
  .object({
    webhook_id: z.string().min(1).optional(),
    webhook_cert_pem_file: z.string().min(1).optional(),
  })
  .strict()
  .transform((s): Record<string, string> => {
    const out: Record<string, string> = {}
    if (s.webhook_id) out.webhook_id = s.webhook_id
    if (s.webhook_cert_pem_file) out.webhook_cert_pem_file = s.webhook_cert_pem_file
    return out
  })

function errorBody(res: HttpResponse): z.infer<typeof ErrorBodySchema> | null {
  try {
    const parsed = ErrorBodySchema.safeParse(res.json())
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

export function connectPaypal(cfg: ProviderConfig, deps: AdapterDeps): GatewayClient {
  const ctx: TranslateContext = {providerId: cfg.providerId}
  const api = createAuthorizedHttp({
    http: deps.http,
    clock: deps.clock,
    providerId: cfg.providerId,
    clientId: cfg.secrets.client_id,
    clientSecret: cfg.secrets.client_secret,
  })

  function authFailure(res: HttpResponse, endpoint: string): AuthError {
    const body = errorBody(res)
    return new AuthError(
      `PayPal refused provider ${cfg.providerId} on ${endpoint} (${res.status}${body ? ` ${body.name}` : ''})`,
      res.status === 403
        ? 'The REST app needs the Transaction Search and Disputes permissions (developer dashboard > app > features); it can take hours to apply.'
        : `Check client_id and client_secret; set ${secretVariable(cfg.providerId, 'client_id')} / ${secretVariable(cfg.providerId, 'client_secret')}.`,
    )
  }

  async function getJson(req: Omit<HttpRequest, 'method'>, signal?: AbortSignal): Promise<unknown> {
    const res = await api.request({...req, method: 'GET', headers: {accept: 'application/json', ...req.headers}}, signal)
    if (res.status === 401 || res.status === 403) throw authFailure(res, req.endpoint)
    if (res.status < 200 || res.status >= 300) throw new PaypalApiError(res.status, req.endpoint, errorBody(res))
    try {
      return res.json()
    } catch {
      throw new PaypalApiError(res.status, req.endpoint, {name: 'UNPARSEABLE_BODY', message: 'the response body is not JSON'})
    }
  }

  async function transactionsPage(state: SyncCursor, signal?: AbortSignal): Promise<Page> {
    const w = state.window!
    const endpoint = 'GET /v1/reporting/transactions'
    const body = SearchResponseSchema.safeParse(
      await getJson(
        {
          path: '/v1/reporting/transactions',
          endpoint,
          query: {
            start_date: toPaypalTime(w.start),
            end_date: toPaypalTime(w.end),
            fields: 'all',
            balance_affecting_records_only: 'N', // denied and pending payments too
            page_size: TXN_PAGE_SIZE,
            page: w.page,
          },
        },
        signal,
      ),
    )
    if (!body.success) throw envelopeError(endpoint, body.error)
    const page: Page = {items: [], invalid: [], next: {}, hasMore: true}
    let oldestPending: number | null = null
    for (const raw of body.data.transaction_details) {
      const t = translateTransaction(raw, ctx)
      if ('skip' in t) continue
      if (!t.ok) {
        page.invalid.push(t.item)
        continue
      }
      page.items.push(t.item)
      if (t.item.txn.status === 'pending') {
        const at = Date.parse(t.item.txn.occurredAt)
        oldestPending = oldestPending === null ? at : Math.min(oldestPending, at)
      }
    }
    page.next = afterTransactionsPage(state, body.data.total_pages, oldestPending) as unknown as Cursor
    return page
  }

  async function disputesPage(state: SyncCursor, signal?: AbortSignal): Promise<Page> {
    const endpoint = 'GET /v1/customer/disputes'
    const query: HttpRequest['query'] = {page_size: DISPUTE_PAGE_SIZE}
    if (state.disputes.pageToken) query.next_page_token = state.disputes.pageToken
    else query.update_time_after = disputesAfter(state)
    const body = DisputeListSchema.safeParse(await getJson({path: '/v1/customer/disputes', endpoint, query}, signal))
    if (!body.success) throw envelopeError(endpoint, body.error)
    const page: Page = {items: [], invalid: [], next: {}, hasMore: false}
    let maxSeen: string | null = null
    for (const raw of body.data.items ?? []) {
      const summary = DisputeSummarySchema.safeParse(raw)
      if (!summary.success) {
        const id = raw && typeof raw === 'object' && typeof (raw as {dispute_id?: unknown}).dispute_id === 'string' ? (raw as {dispute_id: string}).dispute_id : null
        page.invalid.push({externalId: id, reason: 'invalid_payload', detail: `${firstField(summary.error)}: ${describeIssues(summary.error)}`, raw})
        continue
      }
      if (!Number.isNaN(Date.parse(summary.data.update_time))) maxSeen = laterOf(maxSeen, new Date(Date.parse(summary.data.update_time)).toISOString())
      // List items are summaries; the disputed transaction (the parent) is only in the detail.
      const detail =
        'disputed_transactions' in summary.data
          ? raw
          : await getJson({path: `/v1/customer/disputes/${encodeURIComponent(summary.data.dispute_id)}`, endpoint: 'GET /v1/customer/disputes/{id}'}, signal)
      const t = translateDispute(detail, ctx)
      if (t.ok) page.items.push(t.item)
      else page.invalid.push(t.item)
    }
    const {next, hasMore} = afterDisputesPage(state, maxSeen, nextPageToken(body.data.links ?? []))
    page.next = next as unknown as Cursor
    page.hasMore = hasMore
    return page
  }

  let webhookKey: KeyObject | null | undefined
  function offlineKey(): KeyObject | null {
    if (webhookKey !== undefined) return webhookKey
    const file = cfg.settings.webhook_cert_pem_file
    webhookKey = file ? publicKeyFromPem(readFileSync(file, 'utf8')) : null
    return webhookKey
  }

  return {
    async testConnection(signal) {
      await api.token(signal)
      const now = deps.clock.now()
      await getJson(
        {
          path: '/v1/reporting/transactions',
          endpoint: 'GET /v1/reporting/transactions',
          query: {start_date: toPaypalTime(now - 86_400_000), end_date: toPaypalTime(now), page_size: 1, page: 1},
        },
        signal,
      )
    },

    async fetchPage(cursor: Cursor | null, signal?: AbortSignal, opts?: {since?: string}): Promise<Page> {
      let state = readCursor(cursor)
      if (state.phase === 'transactions' && state.window === null) state = startCycle(state, deps.clock.now(), opts?.since)
      return state.phase === 'transactions' ? transactionsPage(state, signal) : disputesPage(state, signal)
    },

    async verifyWebhook(req) {
      let key: KeyObject | null
      try {
        key = offlineKey()
      } catch (error) {
        return {ok: false, reason: `webhook_cert_pem_file ${cfg.settings.webhook_cert_pem_file} cannot be used: ${(error as Error).message}`}
      }
      return verifyPaypalWebhook(
        req,
        {
          webhookId: cfg.settings.webhook_id,
          key,
          clock: deps.clock,
          async verifyOnline(body) {
            const res = await api.request(
              {
                method: 'POST',
                path: '/v1/notifications/verify-webhook-signature',
                endpoint: 'POST /v1/notifications/verify-webhook-signature',
                headers: {'content-type': 'application/json', accept: 'application/json'},
                body,
              },
              undefined,
            )
            if (res.status < 200 || res.status >= 300) throw new PaypalApiError(res.status, 'POST /v1/notifications/verify-webhook-signature', errorBody(res))
            const parsed = z.object({verification_status: z.string()}).safeParse(res.json())
            return parsed.success && parsed.data.verification_status === 'SUCCESS'
          },
        },
        ctx,
      )
    },

    createPayment: (req, signal) => createPaypalPayment(api, ctx, req, signal),

    classifyError: classifyPaypalError,
  }
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

/** A list envelope that is not PayPal's shape: nothing to quarantine, and advancing would skip data, so the page fails. */
function envelopeError(endpoint: string, error: z.ZodError): PaypalApiError {
  return new PaypalApiError(200, endpoint, {name: 'UNEXPECTED_LIST_BODY', message: describeIssues(error)})
}
