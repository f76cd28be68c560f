import {afterEach, describe, expect, it} from 'vitest'

import {compareWithTruth, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'
import {grantAccess} from '../../../src/services/providers.js'
import {applyItems} from '../../../src/services/sync/apply.js'
import {replayQuarantine} from '../../../src/services/sync/replay.js'
import {runSync} from '../../../src/services/sync/sync.js'
import type {Db} from '../../../src/store/db.js'
import {listQuarantine} from '../../../src/store/repos/quarantine.js'
import {storedTransactions} from '../../../src/store/repos/transactions.js'
import {
  createSyncWorld,
  importWorld,
  manualClock,
  unbalancedPostingSets,
  WORLD_END,
  worldScenario,
  type SyncWorld,
} from '../../helpers/sync-world.js'
import {actualAccounts, expectedAccounts} from './oracle.js'
import {ledgerWorld, PROVIDER, scope, txn} from './ledger-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const signals = () => ({stop: new AbortController().signal, abort: new AbortController().signal})
const scenario = worldScenario(400, 53)
const clock = manualClock(WORLD_END)
let world: SyncWorld | undefined
let db: Db | undefined
afterEach(async () => {
  db?.close()
  db = undefined
  await world?.close()
  world = undefined
})

const open = (d: Db) => listQuarantine(d, {status: 'open'})
const stored = (d: Db) => storedTransactions(d).map((s) => s.txn)

describe('quarantine and replay through the engine', () => {
  it('items of a customer not yet imported are quarantined unknown_customer; after the import a replay applies them and posts', async () => {
    const missing = new Set(scenario.customers.filter((_, i) => i % 4 === 0).map((c) => c.id))
    world = await createSyncWorld({scenario, clock, customers: (c) => !missing.has(c.id)})
    db = world.open()
    const run = (await runSync(sqliteHandle(db), world.ctx, {providers: [world.providerId], signals: signals()}))
      .runs[0]!
    expect(run.status).toBe('ok')
    const held = open(db)
    const ofMissing = scenario.payments.filter((p) => missing.has(p.customer))
    expect(ofMissing.length).toBeGreaterThan(20)
    // Every object of a missing customer (payments, and refunds/disputes whose payment could not apply) is held, nothing else.
    const truth = expectedTransactions(scenario, world.stripe.emulator, 'own', WORLD_END)
    const heldIds = new Set(held.map((q) => q.externalId))
    const paymentCustomer = new Map(
      scenario.payments.map((p) => [world!.stripe.emulator.externalId('payment', p.key), p.customer]),
    )
    const expectHeld = truth
      .filter((t) => missing.has(paymentCustomer.get(t.parentExternalId ?? t.externalId)!))
      .map((t) => t.externalId)
    expect([...heldIds].sort()).toEqual(expectHeld.sort())
    // The payments wait for their customer; their refunds and disputes wait for the payment (never applied alone).
    const payments = new Set(truth.filter((t) => t.type === 'payment').map((t) => t.externalId))
    for (const q of held)
      expect(q.reason, q.externalId!).toBe(payments.has(q.externalId!) ? 'unknown_customer' : 'awaiting_parent')
    expect(run.quarantined).toBe(held.length)
    expect(actualAccounts(db)).toEqual(
      expectedAccounts(scenario, world.providerId, WORLD_END, {
        customers: new Set(scenario.customers.map((c) => c.id).filter((id) => !missing.has(id))),
      }),
    )

    // A replay before the cause is fixed applies nothing and keeps every item.
    expect(replayQuarantine(db, world.ctx, {})).toMatchObject({
      considered: held.length,
      applied: 0,
      stillQuarantined: held.length,
      notReplayable: 0,
    })
    expect(open(db)).toHaveLength(held.length)

    await importWorld(db, world.ctx, scenario, (c) => missing.has(c.id))
    const replayed = replayQuarantine(db, world.ctx, {})
    expect(replayed).toEqual({considered: held.length, applied: held.length, stillQuarantined: 0, notReplayable: 0})
    expect(open(db)).toEqual([])
    const cmp = compareWithTruth(stored(db), truth)
    expect(cmp.ok, formatComparison(cmp)).toBe(true)
    expect(actualAccounts(db)).toEqual(expectedAccounts(scenario, world.providerId, WORLD_END))
    expect(unbalancedPostingSets(db)).toEqual([])
    // Replayed twice: nothing more happens.
    const rows = db.raw.prepare('SELECT COUNT(*) FROM ledger_postings').pluck().get()
    expect(replayQuarantine(db, world.ctx, {})).toMatchObject({considered: 0, applied: 0})
    expect(db.raw.prepare('SELECT COUNT(*) FROM ledger_postings').pluck().get()).toBe(rows)
  })

  it('access_denied (no grant for the segment) is audited; after a grant the replay applies and posts', async () => {
    world = await createSyncWorld({scenario, clock, segments: ['retail']})
    db = world.open()
    expect(
      (await runSync(sqliteHandle(db), world.ctx, {providers: [world.providerId], signals: signals()})).runs[0]!.status,
    ).toBe('ok')
    const held = open(db)
    const retail = new Set(scenario.customers.filter((c) => c.segment === 'retail').map((c) => c.id))
    expect(held.length).toBeGreaterThan(20)
    // The payments are denied; their refunds and disputes wait for them rather than being judged on their own.
    expect(new Set(held.map((q) => q.reason))).toEqual(new Set(['access_denied', 'awaiting_parent']))
    const denied = held.filter((q) => q.reason === 'access_denied')
    expect(denied.every((q) => q.externalId?.startsWith('ch_'))).toBe(true)
    expect(db.raw.prepare(`SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied'`).pluck().get()).toBe(
      denied.length,
    )
    expect(actualAccounts(db)).toEqual(expectedAccounts(scenario, world.providerId, WORLD_END, {payers: retail}))

    grantAccess(db, world.ctx, world.providerId, {segment: '*', site: '*', access: 'write'})
    expect(replayQuarantine(db, world.ctx, {provider: world.providerId})).toEqual({
      considered: held.length,
      applied: held.length,
      stillQuarantined: 0,
      notReplayable: 0,
    })
    expect(open(db)).toEqual([])
    expect(actualAccounts(db)).toEqual(expectedAccounts(scenario, world.providerId, WORLD_END))
    expect(new Set(listQuarantine(db, {}).map((q) => q.status))).toEqual(new Set(['replayed']))
  })

  it('invalid_payload items are reported notReplayable and stay open; valid ones beside them apply', () => {
    const w = ledgerWorld()
    try {
      w.db.write(() =>
        applyItems(
          w.db,
          scope(),
          [
            {
              txn: txn({
                externalId: 're_x',
                type: 'refund',
                status: 'succeeded',
                amount: {minor: 100, currency: 'EUR'},
                parentExternalId: 'ch_x',
              }),
              rawJson: '{}',
            },
          ],
          [
            {
              externalId: 'ch_bad',
              reason: 'invalid_payload',
              detail: 'amount: not an integer',
              raw: {id: 'ch_bad', amount: 'abc'},
            },
            {externalId: null, reason: 'invalid_payload', detail: 'no id', raw: {garbage: true}},
          ],
        ),
      )
      w.db.write(() =>
        applyItems(
          w.db,
          scope(),
          [
            {
              txn: txn({
                externalId: 'ch_x',
                type: 'payment',
                status: 'succeeded',
                amount: {minor: 100, currency: 'EUR'},
                fee: {minor: 0, currency: 'EUR'},
                customerRef: 'cus_1',
              }),
              rawJson: '{}',
            },
          ],
          [],
        ),
      )
      // The refund waited for its payment and applied with it, before any replay.
      expect(listQuarantine(w.db, {status: 'resolved'}).map((q) => [q.externalId, q.reason])).toEqual([
        ['re_x', 'awaiting_parent'],
      ])
      expect(replayQuarantine(w.db, w.ctx, {provider: PROVIDER})).toEqual({
        considered: 2,
        applied: 0,
        stillQuarantined: 0,
        notReplayable: 2,
      })
      expect(open(w.db).map((q) => [q.externalId, q.reason])).toEqual([
        ['ch_bad', 'invalid_payload'],
        [null, 'invalid_payload'],
      ])
      expect(JSON.parse(open(w.db)[0]!.rawJson)).toEqual({id: 'ch_bad', amount: 'abc'}) // the raw payload is kept
    } finally {
      w.close()
    }
  })
})
