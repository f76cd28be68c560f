import type {EmulatorOptions, EmulatorRequest, EmulatorResponse, GatewayEmulator} from '../emulator.js'
import {ALNUM} from '../ids.js'
import type {ScenarioPayment} from '../model.js'
import {squareBalance} from './balance.js'
import type {RouteContext} from './context.js'
import {createPaymentRoute} from './create-payment.js'
import {DECLINES} from './declines.js'
import {derive} from './derive.js'
import {getDispute, listDisputes} from './disputes.js'
import {squareIds} from './object-ids.js'
import {getPayment, listPayments} from './payments.js'
import {getRefund, listRefunds} from './refunds.js'
import {renderLocation} from './render.js'
import {BadRequest, errors, json, notFound} from './responses.js'
import {Snapshots} from './snapshot.js'
import {squareWebhooks} from './webhooks.js'
import {SquareWorld} from './world.js'

/**
 * Square emulator: GET /v2/payments, /v2/refunds, /v2/disputes (lists with Square's filters and opaque cursors),
 * GET of one object, GET /v2/locations and POST /v2/payments, with Bearer auth and `errors[]` bodies.
 * Objects appear once created by clock.now() and show their state at that moment (paymentStateAt).
 */
export interface SquareEmulator extends GatewayEmulator {
  /** Payments made through POST /v2/payments, as scenario payments: pass scenarioEvents() of them to webhooks(). */
  createdPayments(): ScenarioPayment[]
}

export function createSquareEmulator(opts: EmulatorOptions): SquareEmulator {
  const {scenario, clock} = opts
  const seed = scenario.seed
  const secrets = {
    access_token: `EAAA${derive(60, ALNUM, seed, 'access_token')}`,
    signature_key: derive(22, `${ALNUM}-_`, seed, 'signature_key'),
  }
  const world = new SquareWorld(scenario, opts.share)
  const ctx: RouteContext = {world, snapshots: new Snapshots(world), now: () => new Date(clock.now()).toISOString()}
  const route = router(ctx, createPaymentRoute(ctx, opts.charges))

  return {
    kind: 'square',
    secrets,
    settings: {},
    handle(req) {
      if (req.headers.authorization !== `Bearer ${secrets.access_token}`) {
        return errors(401, {
          category: 'AUTHENTICATION_ERROR',
          code: 'UNAUTHORIZED',
          detail: 'This request could not be authorized.',
        })
      }
      try {
        return route(req)
      } catch (error) {
        if (error instanceof BadRequest) return error.response
        throw error
      }
    },
    webhooks: (events, targetUrl) => squareWebhooks(world, secrets.signature_key, events, targetUrl),
    externalId(object, key) {
      if (object === 'payment') return world.recordOfKey(key)?.id ?? squareIds.payment(seed, key)
      if (object === 'dispute') return squareIds.dispute(seed, key)
      for (const rec of world.records) {
        const id = rec.refundIds.get(key)
        if (id) return id
      }
      throw new RangeError(`no scenario refund with key ${key}`)
    },
    declineFor: (reason) => DECLINES[reason],
    createdPayments: () => [...world.created],
    processorBalance: () => squareBalance(world, ctx.now()),
  }
}

const ONE_OBJECT = /^\/v2\/(payments|refunds|disputes)\/([^/]+)$/

function router(
  ctx: RouteContext,
  createPayment: (rawBody: Buffer) => EmulatorResponse,
): (req: EmulatorRequest) => EmulatorResponse {
  const {scenario, seed} = ctx.world
  return (req) => {
    const path = req.path.replace(/\/+$/, '')
    if (req.method === 'POST' && path === '/v2/payments') return createPayment(req.rawBody)
    if (req.method === 'GET') {
      if (path === '/v2/payments') return listPayments(ctx, req)
      if (path === '/v2/refunds') return listRefunds(ctx, req)
      if (path === '/v2/disputes') return listDisputes(ctx, req)
      if (path === '/v2/locations')
        return json(200, {locations: scenario.sites.map((s) => renderLocation(s, seed, scenario.start))})
      const [, resource, rawId] = ONE_OBJECT.exec(path) ?? []
      const id = decodeURIComponent(rawId ?? '')
      if (resource === 'payments') return getPayment(ctx, id)
      if (resource === 'refunds') return getRefund(ctx, id)
      if (resource === 'disputes') return getDispute(ctx, id)
    }
    return notFound(`API endpoint for URL path \`${req.path}\` and HTTP method \`${req.method}\` is not found.`)
  }
}
