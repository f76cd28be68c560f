import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {paymentStateAt} from '../../../src/sandbox/model.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'
import {verifyAudit} from '../../../src/services/audit.js'
import {runSync} from '../../../src/services/sync/sync.js'
import type {Db} from '../../../src/store/db.js'
import {storedTransactions} from '../../../src/store/repos/transactions.js'
import {
  createSyncWorld,
  manualClock,
  unbalancedPostingSets,
  WORLD_END,
  worldScenario,
  type SyncWorld,
} from '../../helpers/sync-world.js'
import {actualAccounts, expectedAccounts} from './oracle.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const signals = () => ({stop: new AbortController().signal, abort: new AbortController().signal})

function storedTxns(db: Db): NormalizedTxn[] {
  return storedTransactions(db).map((s) => s.txn)
}

interface PostingRow {
  txn_id: string
  version: number
  account: string
  currency: string
  amount_minor: number
}
const postingRows = (db: Db) =>
  db.raw
    .prepare('SELECT txn_id, version, account, currency, amount_minor FROM ledger_postings ORDER BY id')
    .all() as PostingRow[]
const versions = (db: Db) =>
  new Map(
    (db.raw.prepare('SELECT id, version FROM transactions').all() as Array<{id: string; version: number}>).map((r) => [
      r.id,
      r.version,
    ]),
  )

describe('sync through the whole engine equals the scenario truth (Stripe emulator)', () => {
  const scenario = worldScenario(1_500, 31)
  const T1 = '2026-02-15T00:00:00.000Z'
  const clock = manualClock(T1)
  let world: SyncWorld
  let db: Db

  beforeAll(async () => {
    world = await createSyncWorld({scenario, clock})
    db = world.open()
  })
  afterAll(async () => {
    db?.close()
    await world?.close()
  })

  it('a first sync stores exactly the truth at T1 and posts exactly the scenario balances', async () => {
    const result = await runSync(sqliteHandle(db), world.ctx, {providers: [world.providerId], signals: signals()})
    expect(result.runs.map((r) => [r.status, r.error])).toEqual([['ok', undefined]])
    const truth = expectedTransactions(scenario, world.stripe.emulator, 'own', T1)
    const cmp = compareWithTruth(storedTxns(db), truth)
    expect(cmp.ok, formatComparison(cmp)).toBe(true)
    expect(truth.length).toBeGreaterThan(500)
    expect(db.raw.prepare(`SELECT COUNT(*) FROM quarantine WHERE status = 'open'`).pluck().get()).toBe(0)
    expect(actualAccounts(db)).toEqual(expectedAccounts(scenario, world.providerId, T1))
    expect(unbalancedPostingSets(db)).toEqual([])
    expect(verifyAudit(db).ok).toBe(true)
  })

  it('after the clock moves on, a second sync applies later settlements, refunds and disputes as new versions posting only the difference', async () => {
    const beforeRows = postingRows(db)
    const beforeVersions = versions(db)
    const beforeStates = new Map(storedTxns(db).map((t) => [t.id, JSON.stringify([t.status, t.amount, t.fee])]))
    clock.set(WORLD_END)
    const result = await runSync(sqliteHandle(db), world.ctx, {providers: [world.providerId], signals: signals()})
    expect(result.runs.map((r) => [r.status, r.error])).toEqual([['ok', undefined]])

    const after = storedTxns(db)
    const cmp = compareWithTruth(after, expectedTransactions(scenario, world.stripe.emulator, 'own', WORLD_END))
    expect(cmp.ok, formatComparison(cmp)).toBe(true)
    expect(actualAccounts(db)).toEqual(expectedAccounts(scenario, world.providerId, WORLD_END))
    expect(unbalancedPostingSets(db)).toEqual([])

    // Append-only: every earlier posting row is still there, unchanged, in the same order.
    const afterRows = postingRows(db)
    expect(afterRows.slice(0, beforeRows.length)).toEqual(beforeRows)
    const added = afterRows.slice(beforeRows.length)

    // Which states changed, by the scenario: pending -> settled, open dispute -> closed.
    const afterVersions = versions(db)
    const changed = after.filter(
      (t) => beforeStates.has(t.id) && beforeStates.get(t.id) !== JSON.stringify([t.status, t.amount, t.fee]),
    )
    const settled = scenario.payments.filter(
      (p) => p.settledAt !== null && p.createdAt <= T1 && p.settledAt > T1 && p.outcome === 'succeeded',
    )
    const won = scenario.payments.filter(
      (p) =>
        p.dispute &&
        p.dispute.openedAt <= T1 &&
        p.dispute.closedAt !== null &&
        p.dispute.closedAt > T1 &&
        p.dispute.closedAt <= WORLD_END &&
        p.dispute.outcome === 'won',
    )
    expect(settled.length).toBeGreaterThan(0)
    expect(won.length).toBeGreaterThan(0)
    expect(changed.length).toBeGreaterThanOrEqual(settled.length)
    for (const t of changed) expect(afterVersions.get(t.id), t.id).toBe(beforeVersions.get(t.id)! + 1)
    // A transaction whose state did not change got no new version and no new posting.
    const unchangedIds = new Set([...beforeStates.keys()].filter((id) => !changed.some((t) => t.id === id)))
    for (const id of unchangedIds) expect(afterVersions.get(id), id).toBe(beforeVersions.get(id))
    expect(added.filter((r) => unchangedIds.has(r.txn_id))).toEqual([])

    // A payment that settled after T1: nothing was posted while pending; the new version posts the whole payment once.
    for (const p of settled.slice(0, 20)) {
      const id = `${world.providerId}:${world.stripe.emulator.externalId('payment', p.key)}`
      const rows = afterRows.filter((r) => r.txn_id === id)
      expect(beforeRows.filter((r) => r.txn_id === id)).toEqual([])
      expect(
        rows.every((r) => r.version === 2),
        id,
      ).toBe(true)
      expect(rows.find((r) => r.account === `customer:${p.customer}`)?.amount_minor).toBe(-p.amount.minor)
    }
    // A dispute open at T1 and won later: the new version gives the funds back (the difference), the old rows stay.
    for (const p of won) {
      const id = `${world.providerId}:${world.stripe.emulator.externalId('dispute', p.dispute!.key)}`
      const v2 = added.filter((r) => r.txn_id === id)
      expect(v2.map((r) => [r.account, r.amount_minor])).toEqual(
        expect.arrayContaining([[`customer:${p.customer}`, -p.dispute!.amount.minor]]),
      )
      expect(
        afterRows
          .filter((r) => r.txn_id === id && r.account === `customer:${p.customer}`)
          .reduce((s, r) => s + r.amount_minor, 0),
      ).toBe(0)
    }
    // New refunds/disputes after T1 exist in the delta, and each is posted once.
    const lateRefunds = scenario.payments.flatMap((p) =>
      p.refunds.filter((r) => r.at > T1 && r.at <= WORLD_END && paymentStateAt(p, WORLD_END).visible),
    )
    expect(lateRefunds.length).toBeGreaterThan(0)
    for (const r of lateRefunds.slice(0, 20)) {
      const id = `${world.providerId}:${world.stripe.emulator.externalId('refund', r.key)}`
      expect(
        added.filter((x) => x.txn_id === id && x.account.startsWith('customer:')).map((x) => x.amount_minor),
      ).toEqual([r.amount.minor])
    }
    expect(verifyAudit(db).ok).toBe(true)
  })

  it('a third sync with nothing new changes nothing', async () => {
    const before = postingRows(db).length
    const txns = db.raw.prepare('SELECT COUNT(*) FROM transaction_states').pluck().get()
    const result = await runSync(sqliteHandle(db), world.ctx, {providers: [world.providerId], signals: signals()})
    expect(result.runs[0]).toMatchObject({status: 'ok', inserted: 0, updated: 0, posted: 0})
    expect(postingRows(db).length).toBe(before)
    expect(db.raw.prepare('SELECT COUNT(*) FROM transaction_states').pluck().get()).toBe(txns)
  })
})
