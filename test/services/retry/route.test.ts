import {afterEach, describe, expect, it} from 'vitest'

import {retryOfPayment} from '../../../src/store/repos/retries.js'
import {attemptsOf} from '../../../src/store/repos/retries-attempts.js'
import {removeProvider} from '../../../src/services/providers.js'
import {setNetworkRule} from '../../../src/services/retry-rules/caps.js'
import {declines, engineWorld, scriptedGateway, succeeds, type EngineWorld} from './engine-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * Fallback: an attempt goes to the fallback only when the primary cannot take any payment now (it failed its probe,
 * or its breaker refused the request) and the fallback has a write grant for the customer's segment and site and
 * the customer's payment method; otherwise the slot passes. Every routing decision is in the audit log.
 */
const T0 = '2026-03-01T10:00:00.000Z'
const MIN = 60_000
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()

let world: EngineWorld
afterEach(() => world?.close())

function audit(action: string): Array<{provider: string; outcome: string; details: Record<string, unknown>}> {
  return (
    world.db.raw
      .prepare(`SELECT provider, outcome, details_json FROM audit_log WHERE action = ? ORDER BY seq`)
      .all(action) as Array<{provider: string; outcome: string; details_json: string}>
  ).map((r) => ({
    provider: r.provider,
    outcome: r.outcome,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
  }))
}

async function twoProviders(backupSegments: string[] = ['*']): Promise<void> {
  world = await engineWorld(T0)
  await world.addProvider('backup', {segments: backupSegments})
  await world.addProvider('primary', {fallback: 'backup', schedule: '5m', maxRetries: 2})
}

describe('routing a retry', () => {
  it('the primary down: the fallback recovers it, once, under the fallback; the primary is sent nothing', async () => {
    await twoProviders()
    const primary = scriptedGateway()
    primary.down = true
    const backup = scriptedGateway({answers: [succeeds('backup', 'bk_ch_1', world.clock)]})
    world.gateways.set('primary', primary)
    world.gateways.set('backup', backup)
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    world.clock.set(at(5 * MIN))
    const run = await world.run()
    expect(run.turns[0]).toMatchObject({action: 'sent', provider: 'backup', route: 'fallback', status: 'recovered'})
    expect(primary.requests).toEqual([])
    expect(backup.requests[0]).toMatchObject({customerRef: 'bk_1', paymentMethodRef: 'bk_pm_1'})
    expect(retryOfPayment(world.db, 'primary:ch_failed')).toMatchObject({
      recoveredTxn: 'backup:bk_ch_1',
      recoveredVia: 'fallback',
    })
    const credited = world.db.raw
      .prepare(
        `SELECT txn_id, provider, SUM(amount_minor) AS s FROM ledger_postings WHERE account = 'customer:c1' GROUP BY txn_id`,
      )
      .all()
    expect(credited).toEqual([{txn_id: 'backup:bk_ch_1', provider: 'backup', s: -12_550}])
    expect(audit('retry.attempt')).toEqual([
      {
        provider: 'backup',
        outcome: 'ok',
        details: expect.objectContaining({
          route: 'fallback',
          reason: expect.stringMatching(/^primary failed its probe .*; fallback backup has a write grant/),
        }),
      },
    ])
  })

  it('a fallback without the grant for the customer’s segment is never used: the slot passes, and says why', async () => {
    await twoProviders(['vip'])
    const primary = scriptedGateway()
    primary.down = true
    const backup = scriptedGateway()
    world.gateways.set('primary', primary)
    world.gateways.set('backup', backup)
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    for (const due of [5, 10, 15]) {
      world.clock.set(at(due * MIN))
      await world.run()
    }
    expect(backup.requests).toEqual([])
    expect(backup.probes).toBe(0)
    expect(primary.requests).toEqual([])
    expect(retryOfPayment(world.db, 'primary:ch_failed')).toMatchObject({status: 'exhausted', slotsUsed: 2})
    expect(audit('retry.route').map((r) => [r.outcome, r.details.reason])).toEqual([
      [
        'waiting',
        expect.stringMatching(
          /^primary failed its probe .*; fallback backup not used: has no write grant for segment "retail" at site berlin$/,
        ),
      ],
      ['waiting', expect.stringContaining('fallback backup not used')],
    ])
  })

  it('a customer with no payment method at the fallback waits; a primary that is up is never bypassed', async () => {
    await twoProviders()
    const primary = scriptedGateway({answers: [succeeds('primary', 'ch_ok', world.clock)]})
    primary.down = true
    const backup = scriptedGateway()
    world.gateways.set('primary', primary)
    world.gateways.set('backup', backup)
    world.fail({provider: 'primary', externalId: 'ch_c2', customer: 'c2', invoice: 'inv-2'})
    world.clock.set(at(5 * MIN))
    const waited = await world.run()
    expect(waited.turns[0]!.note).toMatch(/fallback backup not used: no payment method for customer c2/)
    primary.down = false
    world.clock.set(at(10 * MIN))
    await world.run()
    expect(primary.requests).toHaveLength(1)
    expect(backup.requests).toEqual([])
  })

  it('a request the primary’s breaker refused (not sent) goes to the fallback in the same slot', async () => {
    await twoProviders()
    const primary = scriptedGateway({
      answers: [
        () => ({
          status: 'failed',
          externalId: null,
          item: null,
          failure: {code: 'circuit_open', message: 'primary: circuit open', decision: 'retry'},
        }),
      ],
    })
    const backup = scriptedGateway({answers: [succeeds('backup', 'bk_ch_2', world.clock)]})
    world.gateways.set('primary', primary)
    world.gateways.set('backup', backup)
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    world.clock.set(at(5 * MIN))
    await world.run()
    const chain = retryOfPayment(world.db, 'primary:ch_failed')!
    expect(chain).toMatchObject({status: 'recovered', recoveredVia: 'fallback', slotsUsed: 1, recoveredSlot: 1})
    expect(attemptsOf(world.db, chain.id).map((a) => [a.seq, a.slot, a.provider, a.status])).toEqual([
      [1, 1, 'primary', 'not_sent'],
      [2, 1, 'backup', 'succeeded'],
    ])
    // Keys differ per attempt, so the fallback's request can never be mistaken for the primary's.
    const keys = attemptsOf(world.db, chain.id).map((a) => a.idempotencyKey)
    expect(new Set(keys).size).toBe(2)
  })

  it('a card at its network cap: the declined chain waits for the cap to free, another bill on the card passes its slot unsent', async () => {
    world = await engineWorld(T0)
    await world.addProvider('primary', {schedule: '5m', maxRetries: 2})
    const primary = scriptedGateway({
      answers: [declines('primary', 'ch_r1', 'insufficient_funds', 'retry', world.clock)],
    })
    world.gateways.set('primary', primary)
    world.fail({provider: 'primary', externalId: 'ch_failed_1', invoice: 'inv-1'})
    world.fail({provider: 'primary', externalId: 'ch_failed_2', invoice: 'inv-2'})
    // Then: one decline per card per 24 hours (the default is Mastercard's 10). No gateway named the card's network,
    // so every network's rules hold. (Set before the failures, it would have deferred both first retries by a day.)
    setNetworkRule(world.db, world.ctx, 'mastercard-declines-24h', '1')
    world.clock.set(at(5 * MIN))
    const run = await world.run()
    expect(primary.requests).toHaveLength(1)
    const first = retryOfPayment(world.db, 'primary:ch_failed_1')!
    // Declined at 5 min: the schedule says 10 min, the cap says not before 24 hours after the decline.
    expect(first.status).toBe('queued')
    expect(Date.parse(first.nextAt!)).toBe(Date.parse(at(5 * MIN)) + 24 * 60 * MIN)
    const turn2 = run.turns.find((t) => t.payment === 'primary:ch_failed_2')!
    expect(turn2).toMatchObject({action: 'waited', status: 'queued'})
    expect(turn2.note).toContain('primary: card network cap mastercard-declines-24h: 1 in the last 24 hours, at most 1')
  })

  it('a failure on a card already at its cap is queued for when the cap frees, not for the schedule', async () => {
    world = await engineWorld(T0)
    await world.addProvider('primary', {schedule: '5m', maxRetries: 2})
    setNetworkRule(world.db, world.ctx, 'mastercard-declines-24h', '1')
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    const chain = retryOfPayment(world.db, 'primary:ch_failed')!
    expect(chain.status).toBe('queued')
    expect(chain.nextAt).toBe(new Date(Date.parse(T0) + 24 * 60 * MIN).toISOString())
  })

  it('a bill paid by other means meanwhile ends the chain unsent', async () => {
    world = await engineWorld(T0)
    await world.addProvider('primary', {schedule: '5m', maxRetries: 2})
    const primary = scriptedGateway()
    world.gateways.set('primary', primary)
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    // The customer paid inv-1 by another payment (a sync brings it).
    world.clock.set(at(2 * MIN))
    world.fail({provider: 'primary', externalId: 'ch_manual', status: 'succeeded'})
    world.clock.set(at(5 * MIN))
    const run = await world.run()
    expect(run.turns[0]).toMatchObject({action: 'superseded', note: 'invoice inv-1 was paid by primary:ch_manual'})
    expect(primary.requests).toEqual([])
  })
})

describe('a provider removed', () => {
  let world: EngineWorld | undefined
  afterEach(() => world?.close())

  it('ends its open chains in the same transaction, audited; the run has nothing left to send', async () => {
    world = await engineWorld(T0)
    await world.addProvider('primary', {schedule: '5m', maxRetries: 2})
    const primary = scriptedGateway()
    world.gateways.set('primary', primary)
    world.fail({provider: 'primary', externalId: 'ch_failed'})
    expect(retryOfPayment(world.db, 'primary:ch_failed')!.status).toBe('queued')
    await removeProvider(sqliteHandle(world.db), world.ctx, 'primary', {})
    const chain = retryOfPayment(world.db, 'primary:ch_failed')!
    expect(chain).toMatchObject({status: 'canceled', nextAt: null})
    expect(chain.note).toMatch(/^canceled: provider primary was removed by /)
    const audit = world.db.raw
      .prepare(`SELECT details_json FROM audit_log WHERE action = 'provider.remove'`)
      .pluck()
      .get() as string
    expect(JSON.parse(audit)).toMatchObject({retriesCanceled: 1})
    world.clock.set(at(5 * MIN))
    expect((await world.run()).turns).toEqual([])
    expect(primary.requests).toEqual([])
  })
})
