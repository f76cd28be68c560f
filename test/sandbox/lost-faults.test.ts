import {afterEach, describe, expect, it} from 'vitest'

import {createHttpClient} from '../../src/gateways/http.js'
import {loadAdapter} from '../../src/gateways/registry.js'
import {ChargeScript} from '../../src/sandbox/charge-rules.js'
import {parseFaultSpec} from '../../src/sandbox/faults.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {serveSandbox, type RunningSandbox} from '../../src/sandbox/serve.js'
import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {FAULT_KINDS} from '../../src/sandbox/faults.js'
import {manualClock} from '../helpers/sync-world.js'

let sandbox: RunningSandbox | undefined
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

describe('faults after processing (lost-timeout, lost-reset)', () => {
  it('are used only when named: kinds=all keeps the request-level faults, so existing seeds draw as before', () => {
    expect(parseFaultSpec('rate=1,kinds=all').kinds).toEqual([...FAULT_KINDS])
    expect(parseFaultSpec('rate=0.5,kinds=lost-timeout,lost-reset')).toEqual({
      rate: 0.5,
      kinds: ['lost-timeout', 'lost-reset'],
    })
    expect(() => parseFaultSpec('rate=1,kinds=lost')).toThrow(/lost-timeout, lost-reset/)
  })

  it.each(['lost-reset', 'lost-timeout'] as const)(
    '%s: the charge is made and its key kept, the client gets no answer; the same key later gets the charge',
    async (kind) => {
      const clock = manualClock('2026-03-01T00:00:00.000Z')
      const scenario = generateScenario({
        seed: 3,
        customers: 3,
        transactions: 0,
        start: '2026-01-01T00:00:00.000Z',
        end: '2026-03-01T00:00:00.000Z',
        gateways: ['stripe'],
      })
      const script = new ChargeScript([])
      const emulator = createStripeEmulator({scenario, share: 'own', clock, charges: script})
      sandbox = await serveSandbox({
        emulators: [emulator],
        seed: 1,
        faults: parseFaultSpec(`rate=1,kinds=${kind}`),
        clock,
      })
      const gateway = sandbox.gateways[0]!
      const adapter = await loadAdapter('stripe')
      const connect = () =>
        adapter.connect(
          {providerId: 'acme', baseUrl: gateway.baseUrl, settings: {}, secrets: gateway.secrets},
          {
            http: createHttpClient({
              provider: 'acme',
              baseUrl: gateway.baseUrl,
              idempotencyHeader: adapter.idempotencyHeader,
              timeoutMs: 300,
              maxRetries: 0,
              clock,
            }),
            clock,
          },
        )
      const customer = scenario.customers[0]!
      const req = {
        customerRef: customer.refs.stripe,
        paymentMethodRef: customer.paymentMethods.stripe,
        amount: {minor: 700, currency: 'EUR'},
        idempotencyKey: 'pay-9:attempt-1',
        metadata: {},
      }
      expect(await connect().createPayment!(req)).toMatchObject({status: 'unknown'})
      expect(script.charges().map((c) => c.approved)).toEqual([true])
      expect(sandbox.faultCounts().stripe![kind]).toBe(1)
    },
  )
})
