import {z} from 'zod'

import {AuthError, ConfigError} from '../../core/errors.js'
import {CircuitOpenError, TransportError} from '../http.js'
import type {AdapterDeps, CreatePaymentRequest, GatewayClient, HttpRequest, HttpResponse, Page, PaymentOutcome, ProviderConfig} from '../types.js'
import type {Cursor} from '../../core/cursor.js'
import {classifySquareError, SquareApiError} from './classify.js'
import {createPaymentBody, paymentOutcome} from './create-payment.js'
import {
  describeIssues,
  ErrorsBodySchema,
  ListDisputesResponseSchema,
  ListPaymentsResponseSchema,
  ListRefundsResponseSchema,
  type SquareError,
} from './schema.js'
import {advance, CREATED_AT_FLOOR, laterOf, PAGE_LIMIT, readCursor, updatedSince, type SyncCursor} from './sync-cursor.js'
import {type TranslateContext, type Translated, translateDispute, translatePayment, translateRefund} from './translate.js'
import {verifySquareWebhook} from './webhook.js'

/** The Square-Version this adapter was written against (GATEWAYS.md §4). */
export const SQUARE_VERSION = '2026-05-20'

export const SquareSettingsSchema = z
  .object({
    location_id: z.string().min(1).optional(),
    notification_url: z.url().optional(),
  })
  .strict()
  .transform((s): Record<string, string> => {
    const out: Record<string, string> = {}
    if (s.location_id) out.location_id = s.location_id
    if (s.notification_url) out.notification_url = s.notification_url
    return out
  })

function secretVariable(providerId: string, field: string): string {
  return `YMS_PAY_SECRET_${providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${field.toUpperCase()}`
}

function errorsOf(res: HttpResponse): SquareError[] {
  try {
    const parsed = ErrorsBodySchema.safeParse(res.json())
    return parsed.success ? parsed.data.errors : []
  } catch {
    return []
  }
}

export function connectSquare(cfg: ProviderConfig, deps: AdapterDeps): GatewayClient {
  const token = cfg.secrets.access_token
  if (!token) {
    throw new ConfigError(
      `provider ${cfg.providerId} has no Square access_token`,
      `Store it in the keychain with the providers command, or set ${secretVariable(cfg.providerId, 'access_token')}.`,
    )
  }
  const ctx: TranslateContext = {providerId: cfg.providerId}
  const locationId = cfg.settings.location_id
  const headers = (json: boolean): Record<string, string> => ({
    authorization: `Bearer ${token}`,
    'square-version': SQUARE_VERSION,
    accept: 'application/json',
    ...(json ? {'content-type': 'application/json'} : {}),
  })

  function authFailure(res: HttpResponse, endpoint: string): AuthError {
    const code = errorsOf(res)[0]?.code ?? String(res.status)
    return new AuthError(
      `Square refused the credentials of provider ${cfg.providerId} on ${endpoint} (${res.status} ${code})`,
      `Check the access token (it must belong to this environment and have PAYMENTS_READ, PAYMENTS_WRITE and DISPUTES_READ); ` +
        `store a new one with the providers command or set ${secretVariable(cfg.providerId, 'access_token')}.`,
    )
  }

  async function getJson(req: Omit<HttpRequest, 'method' | 'headers'>, signal?: AbortSignal): Promise<unknown> {
    const res = await deps.http.request({...req, method: 'GET', headers: headers(false)}, signal)
    if (res.status === 401 || res.status === 403) throw authFailure(res, req.endpoint)
    if (res.status < 200 || res.status >= 300) throw new SquareApiError(res.status, req.endpoint, errorsOf(res))
    try {
      return res.json()
    } catch {
      throw new SquareApiError(res.status, req.endpoint, [{category: 'API_ERROR', code: 'UNPARSEABLE_BODY', detail: 'the response body is not JSON'}])
    }
  }

  async function listPage(state: SyncCursor, signal?: AbortSignal): Promise<{raws: unknown[]; cursor: string | undefined; translate: (raw: unknown) => Translated}> {
    const since = updatedSince(state)
    const cursor = state.page ?? undefined
    if (state.resource === 'disputes') {
      const endpoint = 'GET /v2/disputes'
      const body = ListDisputesResponseSchema.safeParse(await getJson({path: '/v2/disputes', endpoint, query: {cursor, location_id: locationId}}, signal))
      if (!body.success) throw envelopeError(endpoint, body.error)
      return {raws: body.data.disputes ?? [], cursor: body.data.cursor, translate: (raw) => translateDispute(raw, ctx)}
    }
    const query = {
      begin_time: CREATED_AT_FLOOR,
      updated_at_begin_time: since,
      sort_field: 'UPDATED_AT',
      sort_order: 'ASC',
      limit: PAGE_LIMIT,
      cursor,
      location_id: locationId,
    }
    if (state.resource === 'payments') {
      const endpoint = 'GET /v2/payments'
      const body = ListPaymentsResponseSchema.safeParse(await getJson({path: '/v2/payments', endpoint, query}, signal))
      if (!body.success) throw envelopeError(endpoint, body.error)
      return {raws: body.data.payments ?? [], cursor: body.data.cursor, translate: (raw) => translatePayment(raw, ctx)}
    }
    const endpoint = 'GET /v2/refunds'
    const body = ListRefundsResponseSchema.safeParse(await getJson({path: '/v2/refunds', endpoint, query}, signal))
    if (!body.success) throw envelopeError(endpoint, body.error)
    return {raws: body.data.refunds ?? [], cursor: body.data.cursor, translate: (raw) => translateRefund(raw, ctx)}
  }

  return {
    async testConnection(signal) {
      const body = await getJson({path: '/v2/locations', endpoint: 'GET /v2/locations'}, signal)
      if (!locationId) return
      const locations = z.object({locations: z.array(z.object({id: z.string()})).optional()}).safeParse(body)
      const ids = locations.success ? (locations.data.locations ?? []).map((l) => l.id) : []
      if (!ids.includes(locationId)) {
        throw new ConfigError(
          `location_id ${locationId} is not one of this Square account's locations`,
          ids.length > 0 ? `Known locations: ${ids.join(', ')}` : undefined,
        )
      }
    },

    async fetchPage(cursor: Cursor | null, signal?: AbortSignal, opts?: {since?: string}): Promise<Page> {
      const state = readCursor(cursor, opts?.since)
      const {raws, cursor: nextPage, translate} = await listPage(state, signal)
      const since = updatedSince(state)
      const sinceMs = since === undefined ? undefined : Date.parse(since)
      const page: Page = {items: [], invalid: [], next: {}, hasMore: false}
      let maxSeen: string | null = null
      for (const raw of raws) {
        const updated = updatedAtOf(raw)
        if (updated !== null) maxSeen = laterOf(maxSeen, updated)
        // /v2/disputes cannot filter by time: drop what has not changed since the last cycle.
        if (state.resource === 'disputes' && sinceMs !== undefined && updated !== null && Date.parse(updated) < sinceMs) continue
        const translated = translate(raw)
        if (translated.ok) page.items.push(translated.item)
        else page.invalid.push(translated.item)
      }
      const {next, hasMore} = advance(state, maxSeen, nextPage)
      page.next = next as unknown as Cursor
      page.hasMore = hasMore
      return page
    },

    async verifyWebhook(req) {
      return verifySquareWebhook(req, {notificationUrl: cfg.settings.notification_url, signatureKey: cfg.secrets.signature_key}, ctx)
    },

    async createPayment(req: CreatePaymentRequest, signal?: AbortSignal): Promise<PaymentOutcome> {
      const endpoint = 'POST /v2/payments'
      const body = createPaymentBody(req, locationId)
      let res: HttpResponse
      try {
        res = await deps.http.request(
          {method: 'POST', path: '/v2/payments', endpoint, headers: headers(true), body: JSON.stringify(body), idempotencyKey: String(body.idempotency_key)},
          signal,
        )
      } catch (error) {
        if (error instanceof CircuitOpenError) {
          return {status: 'failed', externalId: null, failure: {code: 'CIRCUIT_OPEN', message: error.message, decision: 'retry'}, item: null}
        }
        if (error instanceof TransportError) return {status: 'unknown', externalId: null, reason: `${endpoint}: ${error.message}`}
        throw error
      }
      if (res.status === 401 || res.status === 403) throw authFailure(res, endpoint)
      let parsed: unknown
      try {
        parsed = res.json()
      } catch {
        return {status: 'unknown', externalId: null, reason: `Square answered ${res.status} with a body that is not JSON`}
      }
      return paymentOutcome(res.status, parsed, ctx)
    },

    classifyError: classifySquareError,
  }
}

function updatedAtOf(raw: unknown): string | null {
  if (!raw || typeof raw !== 'object' || !('updated_at' in raw) || typeof raw.updated_at !== 'string') return null
  return Number.isNaN(Date.parse(raw.updated_at)) ? null : raw.updated_at
}

/** A list envelope that is not Square's shape: nothing to quarantine, and advancing would skip data, so the page fails. */
function envelopeError(endpoint: string, error: z.ZodError): SquareApiError {
  return new SquareApiError(200, endpoint, [{category: 'API_ERROR', code: 'UNEXPECTED_LIST_BODY', detail: describeIssues(error)}])
}
