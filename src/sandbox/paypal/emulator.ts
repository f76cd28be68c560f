import type {EmulatorOptions, EmulatorRequest, EmulatorResponse, GatewayEmulator} from '../emulator.js'
import type {ProcessorBalance} from '../balance.js'
import type {ScenarioPayment} from '../model.js'
import {disputeDetail, listDisputes} from './disputes.js'
import {createTokenDesk, invalidToken, sandboxCredentials} from './oauth.js'
import {createReplayCache} from './idempotency.js'
import {captureOrder, createOrder, DECLINES, type OrderAnswer} from './orders.js'
import {notFound, ppError} from './responses.js'
import {delivered} from '../delivery.js'
import {searchTransactions} from './search.js'
import {certificate, createWebhookSigner, signedWebhooks, verifySignature} from './webhooks.js'
import {getCapture, getOrder} from './captures.js'
import {PaypalWorld} from './world.js'

/**
 * PayPal emulator: `POST /v1/oauth2/token` (oauth.ts), `GET /v1/reporting/transactions` (search.ts),
 * `GET /v1/customer/disputes[/{id}]` (disputes.ts), `GET /v2/payments/captures/{id}` and `GET /v2/checkout/orders/{id}`
 * (captures.ts), `POST /v2/checkout/orders` (+ `/{id}/capture`) with
 * PayPal-Request-Id replay (orders.ts), `POST /v1/notifications/verify-webhook-signature` and
 * `GET /v1/notifications/certs/{cert}` (webhooks.ts). Errors are `{name, message, debug_id, details[]}`; OAuth
 * errors `{error, error_description}` (responses.ts).
 */
export interface PaypalEmulatorOptions extends EmulatorOptions {
  /** Rows show up in the transaction search this long after their date (PayPal: up to 3 h). Default 0. */
  lateMs?: number
}

export interface PaypalEmulator extends GatewayEmulator {
  /** Payments made through POST /v2/checkout/orders, as scenario payments: pass scenarioEvents() of them to webhooks(). */
  createdPayments(): ScenarioPayment[]
  /** The account's balance per currency now, as PayPal holds it: what yms-pay's clearing and fee accounts hold. */
  processorBalance(): ProcessorBalance[]
  /** Invalidates every issued access token (the next API call gets 401 invalid_token). */
  expireTokens(): void
  /** Token requests served (successful ones). */
  tokensIssued(): number
  certPath: string
  publicKeyPem: string
}

export function createPaypalEmulator(opts: PaypalEmulatorOptions): PaypalEmulator {
  const {scenario, clock} = opts
  const world = new PaypalWorld(scenario, opts.share, clock, opts.lateMs ?? 0, opts.baseUrl)
  const secrets = sandboxCredentials(scenario.seed)
  const tokens = createTokenDesk(scenario.seed, secrets, clock)
  const signer = createWebhookSigner(scenario.seed)
  const replayable = createReplayCache(clock)

  async function route(req: EmulatorRequest): Promise<EmulatorResponse> {
    if (req.method === 'POST' && req.path === '/v1/oauth2/token') return tokens.issue(req)
    if (req.method === 'GET' && req.path === signer.certPath) return certificate(signer)
    if (!tokens.authorized(req)) return invalidToken()
    if (req.method === 'GET' && req.path === '/v1/reporting/transactions') return searchTransactions(world, req)
    if (req.method === 'GET' && req.path === '/v1/customer/disputes') return listDisputes(world, req)
    const dispute = /^\/v1\/customer\/disputes\/([^/]+)$/.exec(req.path)
    if (req.method === 'GET' && dispute) return disputeDetail(world, req, decodeURIComponent(dispute[1]!))
    if (req.method === 'POST' && req.path === '/v1/notifications/verify-webhook-signature')
      return verifySignature(signer, req)
    if (req.method === 'POST' && req.path === '/v2/checkout/orders') {
      // A replay does not run createOrder, so only a new order's scripted step decides how its answer travels.
      let step: OrderAnswer['step']
      const answer = replayable(req, () => {
        const created = createOrder(world, req, opts.charges)
        step = created.step
        return created.response
      })
      return delivered(step, answer, () =>
        ppError(500, 'INTERNAL_SERVER_ERROR', 'An internal server error has occurred.'),
      )
    }
    const capture = /^\/v2\/payments\/captures\/([^/]+)$/.exec(req.path)
    if (req.method === 'GET' && capture) return getCapture(world, req, decodeURIComponent(capture[1]!))
    const order = /^\/v2\/checkout\/orders\/([^/]+)$/.exec(req.path)
    if (req.method === 'GET' && order) return getOrder(world, req, decodeURIComponent(order[1]!))
    const cap = /^\/v2\/checkout\/orders\/([^/]+)\/capture$/.exec(req.path)
    if (req.method === 'POST' && cap) return replayable(req, () => captureOrder(world, decodeURIComponent(cap[1]!)))
    return notFound('INVALID_RESOURCE_ID')
  }

  return {
    kind: 'paypal',
    secrets,
    settings: {webhook_id: signer.webhookId},
    certPath: signer.certPath,
    publicKeyPem: signer.publicKeyPem,
    handle: route,
    webhooks: (events) => signedWebhooks(world, signer, events),
    externalId(object, key) {
      return object === 'payment'
        ? world.ids.payment(key)
        : object === 'refund'
          ? world.ids.refund(key)
          : world.ids.dispute(key)
    },
    declineFor: (reason) => DECLINES[reason],
    createdPayments: () => [...world.created],
    processorBalance: () => world.balanceAt(world.nowIso()),
    expireTokens: () => tokens.expireAll(),
    tokensIssued: () => tokens.issued(),
  }
}
