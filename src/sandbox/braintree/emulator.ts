import {timingSafeEqual} from 'node:crypto'

import type {Decision} from '../../core/transaction.js'
import type {EmulatorOptions, EmulatorRequest, EmulatorResponse, GatewayEmulator, SignedWebhook} from '../emulator.js'
import type {DeclineReason, ScenarioEvent} from '../model.js'
import {braintreeBalance} from './balance.js'
import {BadSearch} from './criteria.js'
import {renderTransaction} from './render.js'
import {apiErrorResponse, bareResponse, xmlResponse} from './respond.js'
import {saleHandler} from './sale.js'
import {searchDisputes, searchIds, searchTransactions} from './search.js'
import {braintreeWebhooks} from './webhooks.js'
import {braintreeIdFor, buildWorld, DECLINES, merchantAccountFor, MERCHANT_CURRENCIES} from './world.js'

/**
 * Braintree's classic gateway over the scenario (docs/gateways.md#braintree-auth): Basic auth with
 * public:private key, X-ApiVersion required, JSON requests, XML answers, under /merchants/{merchant_id}/…
 *   POST transactions/advanced_search_ids   search-results (page-size 50, ids)          search.ts
 *   POST transactions/advanced_search       credit-card-transactions for ≤ page-size ids search.ts
 *   POST disputes/advanced_search?page=N    disputes collection, 50 per page            search.ts
 *   POST transactions                       a sale on a stored token (201, or 422)      sale.ts
 *   GET  transactions/{id}
 */
export interface BraintreeEmulatorOptions extends EmulatorOptions {
  /** Most ids one search returns (⚠ Braintree is said to cap at 20,000). */
  searchLimit?: number
  settleDelayMs?: number
}

export const EMULATOR_CREDENTIALS = {
  merchantId: 'yms_sandbox_merchant',
  publicKey: 'sandbox_public_key',
  privateKey: 'sandbox_private_key',
}

export function createBraintreeEmulator(opts: BraintreeEmulatorOptions): GatewayEmulator {
  const world = buildWorld(opts.scenario, opts.share)
  const searchLimit = opts.searchLimit ?? 20_000
  const sale = saleHandler(world, opts.settleDelayMs ?? 3_600_000, opts.charges)
  const {merchantId, publicKey, privateKey} = EMULATOR_CREDENTIALS
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${publicKey}:${privateKey}`).toString('base64')}`)
  const prefix = `/merchants/${merchantId}/`

  const authorized = (req: EmulatorRequest): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '')
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth)
  }

  /** The answer of a known route, or null (404). */
  const route = (req: EmulatorRequest, now: number): EmulatorResponse | null => {
    const key = `${req.method} ${req.path.slice(prefix.length)}`
    if (key === 'POST transactions/advanced_search_ids') return searchIds(world, req, now, searchLimit)
    if (key === 'POST transactions/advanced_search') return searchTransactions(world, req, now)
    if (key === 'POST disputes/advanced_search') return searchDisputes(world, req, now)
    if (key === 'POST transactions') return sale(req, now)
    const find = /^GET transactions\/([a-z0-9]+)$/.exec(key)
    const t = find ? world.byId.get(find[1] as string) : undefined
    return t && t.createdAt <= now ? xmlResponse(200, renderTransaction(t, now)) : null
  }

  function handle(req: EmulatorRequest): EmulatorResponse {
    const now = opts.clock.now()
    if (!authorized(req)) return bareResponse(401)
    const version = Number.parseInt(req.headers['x-apiversion'] ?? '', 10)
    // The SDK maps 426 to UpgradeRequired: "the API version sent is too old or missing". ⚠ the real gateway's
    // answer to a missing header was not observed; 426 is what the SDK is prepared for.
    if (!Number.isInteger(version) || version < 4) return bareResponse(426)
    if (!req.path.startsWith(prefix)) return bareResponse(404)
    try {
      return route(req, now) ?? bareResponse(404)
    } catch (error) {
      if (error instanceof BadSearch) return apiErrorResponse(error.message, [])
      throw error
    }
  }

  return {
    kind: 'braintree',
    secrets: {private_key: privateKey},
    settings: {
      merchant_id: merchantId,
      public_key: publicKey,
      merchant_accounts: MERCHANT_CURRENCIES.map((c) => `${c}:${merchantAccountFor(c)}`).join(','),
    },
    handle,
    webhooks(events: readonly ScenarioEvent[], targetUrl: string): SignedWebhook[] {
      void targetUrl // Braintree signs the payload only, not the destination
      return braintreeWebhooks(world, {publicKey, privateKey}, events)
    },
    externalId: braintreeIdFor,
    declineFor(reason: DeclineReason): {code: string; decision: Decision} {
      const d = DECLINES[reason]
      return {code: d.code, decision: d.decision}
    },
    processorBalance: () => braintreeBalance(world, opts.clock.now()),
  }
}
