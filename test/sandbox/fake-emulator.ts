import {createHmac} from 'node:crypto'

import type {GatewayKind} from '../../src/gateways/registry.js'
import type {Decision} from '../../src/core/transaction.js'
import type {EmulatorRequest, EmulatorResponse, GatewayEmulator, SignedWebhook} from '../../src/sandbox/emulator.js'
import {paymentsFor, type DeclineReason, type Scenario, type ScenarioEvent} from '../../src/sandbox/model.js'

/** A trivial emulator for the sandbox plumbing's tests: a JSON list endpoint and HMAC-signed webhooks. */
export const FAKE_SECRET = 'whsec_fake'

export function sign(body: string): string {
  return createHmac('sha256', FAKE_SECRET).update(body).digest('hex')
}

export function fakeEmulator(
  scenario: Scenario | null,
  opts: {kind?: GatewayKind; faultable?: (req: EmulatorRequest) => boolean; settings?: Record<string, string>} = {},
): GatewayEmulator & {seen: EmulatorRequest[]} {
  const seen: EmulatorRequest[] = []
  const kind = opts.kind ?? 'stripe'
  return {
    kind,
    seen,
    secrets: {api_key: 'sk_test_fake', webhook_secret: FAKE_SECRET},
    settings: opts.settings ?? {},
    handle(req): EmulatorResponse {
      seen.push(req)
      if (req.path === '/items') {
        const items = scenario
          ? paymentsFor(scenario, kind, 'own')
              .slice(0, 20)
              .map((p) => ({id: p.key, amount: p.amount.minor}))
          : []
        if (req.headers['x-sandbox-fault'] === 'duplicate' && items[0]) items.push(items[0])
        return {status: 200, headers: {'content-type': 'application/json'}, body: JSON.stringify({data: items})}
      }
      // A body long enough that half of it is clearly not the whole.
      return {
        status: 200,
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({ok: true, path: req.path, pad: 'x'.repeat(200)}),
      }
    },
    webhooks(events: readonly ScenarioEvent[]): SignedWebhook[] {
      return events.map((e) => {
        const id = `evt_${e.type}_${e.refund?.key ?? e.payment.key}`
        const body = JSON.stringify({id, type: e.type, payment: e.payment.key, at: e.at})
        return {at: e.at, dedupId: id, headers: {'content-type': 'application/json', 'x-signature': sign(body)}, body}
      })
    },
    externalId: (object, key) => `${object}_${key}`,
    declineFor(reason: DeclineReason): {code: string; decision: Decision} {
      const terminal = reason === 'expired_card' || reason === 'stolen_card'
      return {code: `code_${reason}`, decision: terminal ? 'terminal' : 'retry'}
    },
    faultable: opts.faultable,
  }
}
