import {afterEach, describe, expect, it} from 'vitest'

import {retryKey} from '../../../src/services/retry/request.js'
import {retryOfPayment} from '../../../src/store/repos/retries.js'
import {attemptsOf} from '../../../src/store/repos/retries-attempts.js'
import {declines, engineWorld, scriptedGateway, succeeds, type EngineWorld} from './engine-world.js'

/**
 * Show (issue 13), with an injected clock: a soft decline that succeeds on attempt 3 follows the schedule exactly;
 * a hard decline is never retried; exhaustion after the last attempt raises retry_exhausted, once.
 */
const T0 = '2026-03-01T10:00:00.000Z'
const MIN = 60_000
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()

let world: EngineWorld
afterEach(() => world?.close())

describe('the schedule, followed exactly (injected clock)', () => {
  it('a soft decline recovered by retry 3: each attempt at its due time to the millisecond, never before', async () => {
    world = await engineWorld(T0)
    await world.addProvider('primary', {schedule: '5m,30m,2h,1d', maxRetries: 4})
    const {clock} = world
    const gateway = scriptedGateway({
      answers: [
        declines('primary', 'ch_r1', 'insufficient_funds', 'retry', clock),
        declines('primary', 'ch_r2', 'insufficient_funds', 'retry', clock),
        succeeds('primary', 'ch_r3', clock),
      ],
    })
    world.gateways.set('primary', gateway)
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    const chain = retryOfPayment(world.db, 'primary:ch_failed')!
    expect(chain).toMatchObject({status: 'queued', nextAt: at(5 * MIN), slotsUsed: 0})

    // Each slot: one millisecond early sends nothing; on time sends exactly one request.
    const sentAt: string[] = []
    for (const due of [5 * MIN, 35 * MIN, 155 * MIN]) {
      clock.set(at(due - 1))
      expect((await world.run()).sent).toBe(0)
      clock.set(at(due))
      const run = await world.run()
      expect(run.sent).toBe(1)
      sentAt.push(clock.iso())
    }
    expect(sentAt).toEqual([at(5 * MIN), at(35 * MIN), at(155 * MIN)])
    expect(gateway.requests).toHaveLength(3)
    const attempts = attemptsOf(world.db, chain.id)
    expect(attempts.map((a) => [a.slot, a.status, a.startedAt, a.idempotencyKey])).toEqual([
      [1, 'failed', at(5 * MIN), retryKey('primary:ch_failed', 1)],
      [2, 'failed', at(35 * MIN), retryKey('primary:ch_failed', 2)],
      [3, 'succeeded', at(155 * MIN), retryKey('primary:ch_failed', 3)],
    ])
    // The request: the customer's gateway id and stored method, the bill's amount, the invoice and customer carried.
    expect(gateway.requests[2]).toEqual({
      customerRef: 'cus_1',
      paymentMethodRef: 'pm_1',
      amount: {minor: 12_550, currency: 'EUR'},
      idempotencyKey: retryKey('primary:ch_failed', 3),
      metadata: expect.objectContaining({
        yms_retry_of: 'primary:ch_failed',
        yms_attempt: '3',
        yms_customer: 'c1',
        yms_invoice: 'inv-1',
        invoice_id: 'inv-1',
      }),
    })
    expect(retryOfPayment(world.db, 'primary:ch_failed')).toMatchObject({
      status: 'recovered',
      recoveredTxn: 'primary:ch_r3',
      recoveredVia: 'primary',
      recoveredSlot: 3,
      finishedAt: at(155 * MIN),
    })
    // The recovery is in the ledger once, credited to the customer; the declined retries posted nothing.
    const postings = world.db.raw
      .prepare(
        `SELECT txn_id, SUM(amount_minor) AS s FROM ledger_postings WHERE account = 'customer:c1' GROUP BY txn_id`,
      )
      .all()
    expect(postings).toEqual([{txn_id: 'primary:ch_r3', s: -12_550}])
    // Nothing more is due, and a run much later sends nothing.
    clock.set(at(30 * 24 * 60 * MIN))
    expect((await world.run()).sent).toBe(0)
    expect(gateway.requests).toHaveLength(3)
    expect(world.alerts).toEqual([])
  })

  it('a hard decline never enters the queue; a declined retry of a failure never starts a chain of its own', async () => {
    world = await engineWorld(T0)
    await world.addProvider('primary', {schedule: '5m', maxRetries: 1})
    const gateway = scriptedGateway({
      answers: [declines('primary', 'ch_r1', 'insufficient_funds', 'retry', world.clock)],
    })
    world.gateways.set('primary', gateway)
    world.fail({
      provider: 'primary',
      externalId: 'ch_stolen',
      code: 'stolen_card',
      decision: 'terminal',
      invoice: 'inv-9',
    })
    world.fail({provider: 'primary', externalId: 'ch_soft', customer: 'c2', invoice: 'inv-2'})
    expect(retryOfPayment(world.db, 'primary:ch_stolen')).toBeNull()
    world.clock.set(at(5 * MIN))
    await world.run()
    // The declined retry (ch_r1) came back as a failed payment through the apply path: it settled its attempt only.
    expect(world.db.raw.prepare('SELECT txn_id FROM retries ORDER BY id').pluck().all()).toEqual(['primary:ch_soft'])
    world.clock.set(at(365 * 24 * 60 * MIN))
    await world.run()
    expect(gateway.requests.map((r) => r.customerRef)).toEqual(['cus_2'])
  })

  it('exhaustion after the last retry raises retry_exhausted once, at that retry', async () => {
    world = await engineWorld(T0)
    await world.addProvider('primary', {schedule: '1h', maxRetries: 3})
    const {clock} = world
    world.gateways.set(
      'primary',
      scriptedGateway({
        answers: [1, 2, 3, 4].map((n) => declines('primary', `ch_r${n}`, 'insufficient_funds', 'retry', clock)),
      }),
    )
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    for (const hour of [1, 2]) {
      clock.set(at(hour * 60 * MIN))
      await world.run()
      expect(world.alerts).toEqual([])
    }
    clock.set(at(3 * 60 * MIN))
    const last = await world.run()
    expect(last.exhausted).toBe(1)
    expect(world.alerts).toEqual([
      expect.objectContaining({
        event: 'retry_exhausted',
        subject: 'primary:ch_failed',
        provider: 'primary',
        customer: 'c1',
        site: 'berlin',
        at: at(3 * 60 * MIN),
        dedupKey: expect.stringMatching(/^retry_exhausted:\d+$/),
        data: expect.objectContaining({
          outcome: 'exhausted',
          amount: {minor: 12_550, currency: 'EUR'},
          invoice: 'inv-1',
        }),
      }),
    ])
    clock.set(at(100 * 60 * MIN))
    await world.run()
    expect(world.alerts).toHaveLength(1)
    expect(world.gateways.get('primary')!.requests).toHaveLength(3)
    expect(retryOfPayment(world.db, 'primary:ch_failed')).toMatchObject({status: 'exhausted', slotsUsed: 3})
  })

  it('a hard decline on a retry stops the chain at once, with the alert', async () => {
    world = await engineWorld(T0)
    await world.addProvider('primary', {schedule: '1h', maxRetries: 5})
    world.gateways.set(
      'primary',
      scriptedGateway({answers: [declines('primary', 'ch_r1', 'expired_card', 'terminal', world.clock)]}),
    )
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    world.clock.set(at(60 * MIN))
    await world.run()
    expect(retryOfPayment(world.db, 'primary:ch_failed')).toMatchObject({status: 'stopped', slotsUsed: 1})
    expect(world.alerts.map((a) => [a.event, (a.data as {outcome: string}).outcome])).toEqual([
      ['retry_exhausted', 'stopped'],
    ])
  })
})
