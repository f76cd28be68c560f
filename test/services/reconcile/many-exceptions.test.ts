import {afterEach, describe, expect, it} from 'vitest'

import {runReconcile} from '../../../src/services/reconcile/run.js'
import {resolveReconcileException, showReconcileRun} from '../../../src/services/reconcile/runs.js'
import {eur, ledgerWorld, type LedgerWorld} from './ledger-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const worlds: LedgerWorld[] = []
afterEach(() => {
  while (worlds.length > 0) worlds.pop()!.close()
})

/**
 * More exceptions than the store writes in one statement (64), and not a multiple of it: 150 unpaid invoices and 31
 * partly paid ones, so whole batches and single rows are both written, and one exception is resolved in each.
 */
async function world(): Promise<LedgerWorld> {
  const w = ledgerWorld('2026-06-01T00:00:00.000Z')
  worlds.push(w)
  w.site('berlin', 'EUR')
  for (let c = 0; c < 10; c++) w.customer(`c${c}`, 'berlin')
  for (let i = 0; i < 181; i++) {
    const id = `inv-${String(i).padStart(3, '0')}`
    await w.invoice(id, `c${i % 10}`, eur(10_000 + i), '2026-04-01', '2026-04-15')
    if (i >= 150)
      w.txn({id: `ch_${i}`, amount: eur(5_000), customer: `c${i % 10}`, invoice: id, at: '2026-04-10T00:00:00Z'})
  }
  return w
}

describe('a run with more exceptions than one batch of the store', () => {
  it('stores every exception once, as printed; a second run updates them in place and keeps resolutions', async () => {
    const w = await world()
    const first = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(first.exceptions).toHaveLength(181)
    expect(first.counts).toMatchObject({unpaid: 150, partially_paid: 31})
    const shown = showReconcileRun(w.db, first.runId)
    expect(shown.exceptions.map(({changedSince, ...e}) => [changedSince, e])).toEqual(
      first.exceptions.map((e) => [false, e]),
    )
    const stored = w.db.raw
      .prepare('SELECT id, first_run AS firstRun, last_run AS lastRun FROM reconciliation_exceptions ORDER BY id')
      .all() as Array<{id: string; firstRun: number; lastRun: number}>
    expect(stored.map((s) => s.id)).toEqual(first.exceptions.map((e) => e.id).sort())
    expect(new Set(stored.map((s) => `${s.firstRun}/${s.lastRun}`))).toEqual(new Set([`${first.runId}/${first.runId}`]))

    // one in the first batch, one written on its own after the last batch
    const early = first.exceptions[10]!
    const late = first.exceptions[170]!
    resolveReconcileException(w.db, w.ctx, early.id, 'written off')
    resolveReconcileException(w.db, w.ctx, late.id, 'agreed with the customer')
    const second = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(second.exceptions.map((e) => e.id)).toEqual(first.exceptions.map((e) => e.id))
    expect(second.open).toBe(179)
    expect(second.exceptions.filter((e) => e.status === 'resolved').map((e) => [e.id, e.resolution])).toEqual([
      [early.id, {by: 'sync-test', note: 'written off'}],
      [late.id, {by: 'sync-test', note: 'agreed with the customer'}],
    ])
    const again = w.db.raw
      .prepare('SELECT count(*) AS n, min(first_run) AS f, min(last_run) AS l FROM reconciliation_exceptions')
      .get()
    expect(again).toEqual({n: 181, f: first.runId, l: second.runId})
  })
})
