import type {Decision} from '../../core/transaction.js'
import type {EmulatorOptions, EmulatorRequest, EmulatorResponse, GatewayEmulator, SignedWebhook} from '../emulator.js'
import {delivered} from '../delivery.js'
import {DUPLICATE_HINT_HEADER} from '../faults.js'
import type {DeclineReason, ScenarioEvent} from '../model.js'
import {STRIPE_API_VERSION} from '../../gateways/stripe/api.js'
import {stripeBalance} from './balance.js'
import {arrayParam, ListParamError, listPage, type ListRequest, readListParams} from './list.js'
import {createPaymentIntent, requestFingerprint} from './payments.js'
import {type Listed, STRIPE_DECLINES, stripeIds, StripeWorld} from './world.js'
import {signStripePayload} from '../../gateways/stripe/webhook.js'

/**
 * The Stripe sandbox: renders the scenario in Stripe's v1 wire format so that the official SDK and the adapter
 * talk to it as to api.stripe.com. Objects appear once their time has come by the injected clock.
 */
type Json = Record<string, unknown>

const IDEMPOTENCY_KEY_MAX = 255
const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000

export function createStripeEmulator(opts: EmulatorOptions): GatewayEmulator {
  const world = new StripeWorld(opts.scenario, opts.share)
  const secrets = {
    api_key: `sk_test_ymsSandbox${String(opts.scenario.seed).padStart(6, '0')}NotARealKey`,
    webhook_secret: `whsec_ymsSandbox${String(opts.scenario.seed).padStart(6, '0')}NotARealSecret`,
  }
  const idempotency = new Map<string, {fingerprint: string; response: EmulatorResponse; atMs: number}>()
  let requestCount = 0

  const handle = (req: EmulatorRequest): EmulatorResponse => {
    requestCount += 1
    const requestId = `req_sbx${String(requestCount).padStart(10, '0')}`
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'request-id': requestId,
      'stripe-version': req.headers['stripe-version'] ?? STRIPE_API_VERSION,
    }
    const json = (status: number, body: unknown): EmulatorResponse => ({
      status,
      headers,
      body: JSON.stringify(body, null, 2),
    })
    const fail = (status: number, error: Json): EmulatorResponse =>
      json(status, {error: {...error, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}`}})

    const authError = authenticate(req.headers.authorization, secrets.api_key)
    if (authError) return fail(401, {type: 'invalid_request_error', message: authError})

    const nowMs = opts.clock.now()
    try {
      if (req.method === 'POST') {
        if (req.path !== '/v1/payment_intents') return fail(404, unrecognized(req))
        const key = req.headers['idempotency-key']
        const fingerprint = requestFingerprint(req.method, req.path, req.rawBody)
        if (key && key.length > IDEMPOTENCY_KEY_MAX)
          return fail(400, {
            type: 'invalid_request_error',
            message: `Idempotency keys can be at most ${IDEMPOTENCY_KEY_MAX} characters long.`,
          })
        // Stripe prunes a key once it is 24 hours old: the same key then makes a new payment.
        if (key && nowMs - (idempotency.get(key)?.atMs ?? nowMs) >= IDEMPOTENCY_RETENTION_MS) idempotency.delete(key)
        if (key) {
          const seen = idempotency.get(key)
          if (seen && seen.fingerprint !== fingerprint) {
            return fail(400, {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            })
          }
          if (seen)
            return {
              ...seen.response,
              headers: {...seen.response.headers, 'request-id': requestId, 'idempotent-replayed': 'true'},
            }
          headers['idempotency-key'] = key
        }
        const result = createPaymentIntent(
          world,
          new URLSearchParams(req.rawBody.toString('utf8')),
          nowMs,
          {id: requestId, idempotency_key: key ?? ''},
          opts.charges,
        )
        const answer = json(result.status, result.body)
        const response = delivered(result.step, answer, () =>
          fail(500, {type: 'api_error', message: 'An unknown error occurred'}),
        )
        // Stripe stores the first response once execution began, a 500 included (docs/gateways.md#stripe-idempotency).
        if (key) idempotency.set(key, {fingerprint, response: {...response, lost: undefined}, atMs: nowMs})
        return response
      }
      if (req.method !== 'GET') return fail(404, unrecognized(req))
      return route(req, nowMs, json, fail)
    } catch (error) {
      if (error instanceof ListParamError) {
        return fail(error.status, {
          type: 'invalid_request_error',
          message: error.message,
          param: error.param,
          ...(error.code ? {code: error.code} : {}),
        })
      }
      throw error
    }
  }

  function route(
    req: EmulatorRequest,
    nowMs: number,
    json: (status: number, body: unknown) => EmulatorResponse,
    fail: (status: number, error: Json) => EmulatorResponse,
  ): EmulatorResponse {
    const q = req.query
    const expand = new Set(arrayParam(q, 'expand'))
    const missing = (noun: string, id: string) =>
      fail(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such ${noun}: '${id}'`,
        param: 'id',
        doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
      })
    const list = <T extends Listed>(
      url: string,
      all: readonly T[],
      keep: (e: T) => boolean,
      find: (id: string) => T | undefined,
      noun: string,
      render: (e: T) => Json,
    ) => {
      const params: ListRequest = readListParams(q)
      const visible = (e: T) => e.atMs <= nowMs && keep(e)
      const {items, hasMore} = listPage(
        all,
        params,
        visible,
        (id) => {
          const e = find(id)
          return e && visible(e) ? e : undefined
        },
        noun,
      )
      // Sandbox fault `duplicate`: repeat the first item in place, as a flaky replica might; the paging ids stay put.
      const data = req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && items[0] ? [items[0], ...items] : items
      return json(200, {object: 'list', data: data.map(render), has_more: hasMore, url})
    }
    const segments = req.path.split('/').filter(Boolean)
    const [version, resource, id, ...rest] = segments
    if (version !== 'v1' || rest.length > 0) return fail(404, unrecognized(req))
    switch (resource) {
      case 'charges': {
        const chargeExpand = new Set([...expand].map((e) => e.replace(/^data\./, '')))
        if (id) {
          const e = world.chargeById.get(id)
          return e && e.atMs <= nowMs
            ? json(200, world.renderCharge(e.payment, nowMs, chargeExpand))
            : missing('charge', id)
        }
        const customer = q.get('customer')
        const intent = q.get('payment_intent')
        return list(
          '/v1/charges',
          world.charges,
          (e) =>
            (customer === null || world.customersById.get(e.payment.customer)?.refs.stripe === customer) &&
            (intent === null || stripeIds.paymentIntent(e.payment.key) === intent),
          (x) => world.chargeById.get(x),
          'charge',
          (e) => world.renderCharge(e.payment, nowMs, chargeExpand),
        )
      }
      case 'refunds': {
        if (id) {
          const e = world.refundById.get(id)
          return e && e.atMs <= nowMs ? json(200, world.renderRefund(e.payment, e.refund)) : missing('refund', id)
        }
        const charge = q.get('charge')
        return list(
          '/v1/refunds',
          world.refunds,
          (e) => charge === null || stripeIds.charge(e.payment.key) === charge,
          (x) => world.refundById.get(x),
          'refund',
          (e) => world.renderRefund(e.payment, e.refund),
        )
      }
      case 'disputes': {
        if (id) {
          const e = world.disputeById.get(id)
          return e && e.atMs <= nowMs ? json(200, world.renderDispute(e.payment, nowMs)) : missing('dispute', id)
        }
        const charge = q.get('charge')
        return list(
          '/v1/disputes',
          world.disputes,
          (e) => charge === null || stripeIds.charge(e.payment.key) === charge,
          (x) => world.disputeById.get(x),
          'dispute',
          (e) => world.renderDispute(e.payment, nowMs),
        )
      }
      case 'events': {
        if (id) {
          const e = world.eventById.get(id)
          return e && world.eventVisible(e, nowMs) ? json(200, world.renderEvent(e)) : missing('event', id)
        }
        const types = arrayParam(q, 'types')
        const type = q.get('type')
        const typeMatch = (t: string) =>
          (types.length === 0 || types.includes(t)) &&
          (type === null || type === t || (type.endsWith('.*') && t.startsWith(type.slice(0, -1))))
        return list(
          '/v1/events',
          world.events,
          (e) => world.eventVisible(e, nowMs) && typeMatch(e.type),
          (x) => world.eventById.get(x),
          'event',
          (e) => world.renderEvent(e),
        )
      }
      case 'payment_intents': {
        const e = id ? world.intentById.get(id) : undefined
        return e && e.atMs <= nowMs
          ? json(200, world.renderPaymentIntent(e.payment, nowMs, expand))
          : missing('payment_intent', id ?? '')
      }
      case 'customers': {
        const c = id ? world.customersByRef.get(id) : undefined
        if (!c) return missing('customer', id ?? '')
        return json(200, {
          id: c.refs.stripe,
          object: 'customer',
          created: Math.floor(Date.parse(world.scenario.start) / 1000),
          email: c.email,
          name: c.name,
          invoice_settings: {default_payment_method: c.paymentMethods.stripe},
          livemode: false,
          metadata: {yms_customer: c.id, yms_site: c.site},
        })
      }
      case 'balance':
        if (id) return fail(404, unrecognized(req))
        return json(200, {object: 'balance', available: [], pending: [], livemode: false})
      default:
        return fail(404, unrecognized(req))
    }
  }
  return {
    kind: 'stripe',
    secrets,
    settings: {},
    handle,
    webhooks(events: readonly ScenarioEvent[], _targetUrl: string): SignedWebhook[] {
      const out: SignedWebhook[] = []
      for (const scenarioEvent of events) {
        for (const descriptor of world.eventsFor(scenarioEvent)) {
          const entry = world.eventById.get(descriptor.id) ?? {...descriptor, seq: 0}
          // Stripe pretty-prints webhook bodies; the signature covers the exact bytes.
          const body = JSON.stringify(world.renderEvent(entry), null, 2)
          // Stripe signs each delivery when it sends it (docs/gateways.md#stripe-webhooks): a retry hours after
          // the event still verifies, within the tolerance of its own sending.
          const t = Math.floor(Math.max(entry.atMs, opts.clock.now()) / 1000)
          out.push({
            at: new Date(entry.atMs).toISOString(),
            dedupId: entry.id,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
              'stripe-signature': `t=${t},v1=${signStripePayload(secrets.webhook_secret, t, body)}`,
            },
            body,
          })
        }
      }
      return out
    },
    externalId(object, key) {
      return object === 'payment'
        ? stripeIds.charge(key)
        : object === 'refund'
          ? stripeIds.refund(key)
          : stripeIds.dispute(key)
    },
    declineFor(reason: DeclineReason): {code: string; decision: Decision} {
      const d = STRIPE_DECLINES[reason]
      return {code: d.code, decision: d.decision}
    },
    processorBalance: () => stripeBalance(world, opts.clock.now()),
  }
}

function unrecognized(req: EmulatorRequest): Json {
  return {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  }
}

/** Bearer (what stripe-node sends) or Basic with the key as user name (the docs' curl examples). */
function authenticate(header: string | undefined, apiKey: string): string | null {
  if (!header)
    return "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
  let key: string | null = null
  if (header.startsWith('Bearer ')) key = header.slice(7).trim()
  else if (header.startsWith('Basic '))
    key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0] ?? null
  if (key === apiKey) return null
  const masked =
    key && key.length > 8
      ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, Math.min(key.length - 12, 24)))}${key.slice(-4)}`
      : '****'
  return `Invalid API Key provided: ${masked}`
}
