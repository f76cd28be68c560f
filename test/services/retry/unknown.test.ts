import {afterEach, describe, expect, it} from 'vitest'

import {KEY_REPLAY_WINDOW_MS} from '../../../src/core/retry/policy.js'
import {setProviderEnabled} from '../../../src/services/providers.js'
import {cancelRetry} from '../../../src/services/retry/cancel.js'
import {applyItems, serializeItems} from '../../../src/services/sync/apply.js'
import {listGrants} from '../../../src/store/repos/grants.js'
import {retryOfPayment} from '../../../src/store/repos/retries.js'
import {attemptsOf} from '../../../src/store/repos/retries-attempts.js'
import {
  declines,
  engineWorld,
  noAnswer,
  paymentFor,
  scriptedGateway,
  succeeds,
  type EngineWorld,
} from './engine-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * Never a double charge: an attempt whose outcome is unknown is settled by asking (the ledger, a look-up, or the
 * same request under the same key) before anything else is sent for the payment, and nothing is sent while it is
 * unsettled. A gateway without idempotency is never re-sent a sale, and is looked up before every new one.
 */
const T0 = '2026-03-01T10:00:00.000Z'
const MIN = 60_000
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()

let world: EngineWorld
afterEach(() => world?.close())

async function oneFailure(schedule = '5m', maxRetries = 3): Promise<EngineWorld> {
  world = await engineWorld(T0)
  await world.addProvider('primary', {schedule, maxRetries})
  world.fail({provider: 'primary', externalId: 'ch_failed'})
  return world
}

describe('an unknown outcome at a gateway with idempotency', () => {
  it('is asked about with the very same request and key; nothing new is sent meanwhile', async () => {
    await oneFailure()
    const {clock} = world
    const g = scriptedGateway({answers: [noAnswer(), noAnswer(), succeeds('primary', 'ch_r1', clock)]})
    world.gateways.set('primary', g)
    clock.set(at(5 * MIN))
    const first = await world.run()
    expect(first.turns[0]).toMatchObject({action: 'sent', outcome: 'unknown', status: 'resolving'})
    // Before its first re-check (15 s) nothing at all goes out, however often the run is called.
    clock.set(at(5 * MIN + 14_999))
    expect((await world.run()).due).toBe(0)
    clock.set(at(5 * MIN + 15_000))
    expect((await world.run()).turns[0]).toMatchObject({action: 'unresolved', status: 'resolving'})
    clock.set(at(5 * MIN + 15_000 + MIN))
    expect((await world.run()).turns[0]).toMatchObject({action: 'resolved', outcome: 'succeeded', status: 'recovered'})
    expect(g.requests).toHaveLength(3)
    expect(g.requests[1]).toEqual(g.requests[0])
    expect(g.requests[2]).toEqual(g.requests[0])
    expect(attemptsOf(world.db, retryOfPayment(world.db, 'primary:ch_failed')!.id)).toHaveLength(1)
  })

  it('past the window in which every gateway keeps keys, only the ledger settles it (by the key in the payment)', async () => {
    await oneFailure('5m', 3)
    const {clock, db} = world
    const g = scriptedGateway({answers: [noAnswer(), noAnswer()]})
    world.gateways.set('primary', g)
    clock.set(at(5 * MIN))
    await world.run()
    clock.set(at(5 * MIN + 15_000))
    await world.run()
    clock.set(at(5 * MIN + KEY_REPLAY_WINDOW_MS + 1))
    for (let i = 0; i < 5; i++) {
      await world.run()
      clock.set(new Date(clock.now() + 2 * 86_400_000).toISOString())
    }
    expect(g.requests).toHaveLength(2)
    // The next sync brings the charge, with the retry key in its metadata: the attempt settles, the chain recovers.
    const charge = paymentFor(g.requests[0]!, 'primary', 'ch_found', 'succeeded', null, at(5 * MIN))
    const scope = {
      provider: 'primary',
      kind: 'stripe',
      actor: 'sync-test',
      source: 'pull' as const,
      grants: listGrants(db, 'primary'),
      latencySince: null,
      customers: new Map(),
    }
    db.write(() => applyItems(db, scope, serializeItems([charge]), []))
    expect(retryOfPayment(db, 'primary:ch_failed')).toMatchObject({
      status: 'recovered',
      recoveredTxn: 'primary:ch_found',
    })
    expect(g.requests).toHaveLength(2)
  })
})

describe('an unknown outcome, and what an admin does meanwhile', () => {
  it('a disabled provider is not asked, and nothing is sent elsewhere, until it is enabled again', async () => {
    world = await engineWorld(T0)
    await world.addProvider('backup')
    await world.addProvider('primary', {fallback: 'backup', schedule: '5m', maxRetries: 3})
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    const {clock} = world
    const primary = scriptedGateway({answers: [noAnswer(), succeeds('primary', 'ch_r1', clock)]})
    const backup = scriptedGateway()
    world.gateways.set('primary', primary)
    world.gateways.set('backup', backup)
    clock.set(at(5 * MIN))
    await world.run()
    await setProviderEnabled(sqliteHandle(world.db), world.ctx, 'primary', false)
    clock.set(at(10 * MIN))
    const held = await world.run()
    expect(held.turns[0]).toMatchObject({action: 'unresolved', note: 'primary is disabled: not asked'})
    expect([primary.requests.length, backup.requests.length, backup.probes]).toEqual([1, 0, 0])
    await setProviderEnabled(sqliteHandle(world.db), world.ctx, 'primary', true)
    clock.set(at(20 * MIN))
    expect((await world.run()).turns[0]).toMatchObject({action: 'resolved', status: 'recovered'})
    expect(primary.requests[1]).toEqual(primary.requests[0])
  })

  it('a chain canceled while an attempt was unsettled still records the recovery the sync brings', async () => {
    await oneFailure()
    const {clock, db} = world
    const g = scriptedGateway({answers: [noAnswer()]})
    world.gateways.set('primary', g)
    clock.set(at(5 * MIN))
    await world.run()
    const chain = retryOfPayment(db, 'primary:ch_failed')!
    const warnings: string[] = []
    cancelRetry(db, {...world.ctx, warn: (m) => warnings.push(m)}, chain.id)
    expect(warnings).toEqual([expect.stringContaining('has no known outcome yet (unknown)')])
    clock.set(at(60 * MIN))
    expect((await world.run()).due).toBe(0)
    const charge = paymentFor(g.requests[0]!, 'primary', 'ch_late', 'succeeded', null, at(5 * MIN))
    const scope = {
      provider: 'primary',
      kind: 'stripe',
      actor: 'sync-test',
      source: 'pull' as const,
      grants: listGrants(db, 'primary'),
      latencySince: null,
      customers: new Map(),
    }
    db.write(() => applyItems(db, scope, serializeItems([charge]), []))
    expect(retryOfPayment(db, 'primary:ch_failed')).toMatchObject({
      status: 'recovered',
      recoveredTxn: 'primary:ch_late',
    })
    expect(g.requests).toHaveLength(1)
  })
})

describe('a gateway without idempotency (Braintree)', () => {
  it('never gets a sale re-sent: it is looked up; not found an hour after the request means nothing was charged', async () => {
    await oneFailure('5m', 3)
    const {clock} = world
    const g = scriptedGateway({
      kind: 'braintree',
      answers: [noAnswer('POST /transactions: connection reset'), succeeds('primary', 'bt_2', clock)],
      lookup: () => ({status: 'unknown', externalId: null, reason: 'no sale with order id inv-1 found yet'}),
    })
    world.gateways.set('primary', g)
    clock.set(at(5 * MIN))
    await world.run()
    // Looked up before the first sale (nothing found), then the sale's outcome is unknown.
    expect(g.lookups).toHaveLength(1)
    expect(g.requests).toHaveLength(1)
    for (const wait of [15_000, 60_000, 180_000]) {
      clock.set(new Date(clock.now() + wait).toISOString())
      expect((await world.run()).turns[0]).toMatchObject({action: 'unresolved'})
    }
    expect(g.requests).toHaveLength(1)
    // The next re-check is an hour on (Kill Bill's fourth step), by when "not found" means "not charged".
    const next = retryOfPayment(world.db, 'primary:ch_failed')!.nextAt!
    expect(Date.parse(next) - Date.parse(at(5 * MIN))).toBeGreaterThanOrEqual(60 * MIN)
    clock.set(next)
    const settled = await world.run()
    expect(settled.turns[0]).toMatchObject({action: 'resolved', outcome: 'failed', status: 'queued'})
    expect(g.requests).toHaveLength(1)
    // The next slot is five minutes after that, with a new key, after another look-up.
    clock.set(new Date(Date.parse(next) + 5 * MIN).toISOString())
    await world.run()
    expect(g.requests).toHaveLength(2)
    expect(g.requests[1]!.idempotencyKey).not.toBe(g.requests[0]!.idempotencyKey)
    expect(retryOfPayment(world.db, 'primary:ch_failed')).toMatchObject({status: 'recovered', recoveredSlot: 2})
  })

  it('a look-up that finds the sale settles the attempt without any new sale', async () => {
    await oneFailure()
    const {clock} = world
    let lookups = 0
    const g = scriptedGateway({
      kind: 'braintree',
      answers: [noAnswer('POST /transactions: timed out')],
      lookup: (req) =>
        ++lookups === 1
          ? {status: 'unknown', externalId: null, reason: 'none yet'}
          : {
              status: 'succeeded',
              externalId: 'bt_1',
              item: paymentFor(req, 'primary', 'bt_1', 'succeeded', null, at(5 * MIN)),
            },
    })
    world.gateways.set('primary', g)
    clock.set(at(5 * MIN))
    await world.run()
    clock.set(at(5 * MIN + 15_000))
    await world.run()
    expect(g.requests).toHaveLength(1)
    expect(retryOfPayment(world.db, 'primary:ch_failed')).toMatchObject({
      status: 'recovered',
      recoveredTxn: 'primary:bt_1',
    })
    expect(world.db.raw.prepare(`SELECT status FROM transactions WHERE id = 'primary:bt_1'`).pluck().get()).toBe(
      'succeeded',
    )
  })

  it('is looked up before each new sale: a sale for the bill it does not know of ends the chain, unsent', async () => {
    await oneFailure()
    const {clock} = world
    const g = scriptedGateway({
      kind: 'braintree',
      answers: [declines('primary', 'bt_own', 'insufficient_funds', 'retry', clock)],
      lookup: (req, n) =>
        n === 1
          ? {status: 'unknown', externalId: null, reason: 'none'}
          : {status: 'succeeded', externalId: 'bt_other', item: paymentFor(req, 'primary', 'bt_other', 'succeeded')},
    })
    world.gateways.set('primary', g)
    clock.set(at(5 * MIN))
    await world.run()
    clock.set(at(10 * MIN))
    const second = await world.run()
    expect(second.turns[0]).toMatchObject({action: 'superseded', status: 'superseded'})
    expect(g.requests).toHaveLength(1)
  })
})
