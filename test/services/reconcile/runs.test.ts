import {afterEach, describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/errors.js'
import {runReconcile} from '../../../src/services/reconcile/run.js'
import {listReconcileRuns, resolveReconcileException, showReconcileRun} from '../../../src/services/reconcile/runs.js'
import {insertAlertTarget} from '../../../src/store/repos/alerts.js'
import {queryAuditRows} from '../../../src/store/repos/audit.js'
import {eur, ledgerWorld, type LedgerWorld} from './ledger-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const worlds: LedgerWorld[] = []
afterEach(() => {
  while (worlds.length > 0) worlds.pop()!.close()
})

/** Berlin: one invoice paid, one partly, one unpaid, and a payment naming no invoice. */
async function world(): Promise<LedgerWorld> {
  const w = ledgerWorld('2026-06-01T00:00:00.000Z')
  worlds.push(w)
  w.site('berlin', 'EUR')
  w.customer('c1', 'berlin')
  w.customer('c2', 'berlin')
  await w.invoice('inv-1', 'c1', eur(10_000), '2026-04-01', '2026-04-15')
  await w.invoice('inv-2', 'c1', eur(8_000), '2026-04-01', '2026-04-15')
  await w.invoice('inv-3', 'c2', eur(3_000), '2026-05-01', '2026-05-15')
  w.txn({id: 'ch_1', amount: eur(10_000), customer: 'c1', invoice: 'inv-1', at: '2026-04-10T00:00:00Z'})
  w.txn({id: 'ch_2', amount: eur(5_000), customer: 'c1', invoice: 'inv-2', at: '2026-04-10T00:00:00Z'})
  w.txn({id: 'ch_x', amount: eur(123), customer: 'c2', at: '2026-05-10T00:00:00Z', provider: 'other'})
  return w
}

describe('reconcile runs and exceptions', () => {
  it('the same inputs give byte-identical JSON in two homes; in one home only runId and the run time change', async () => {
    const a = await world()
    const b = await world()
    const ja = JSON.stringify((await runReconcile(sqliteHandle(a.db), a.ctx, {site: 'berlin'})).result)
    const jb = JSON.stringify((await runReconcile(sqliteHandle(b.db), b.ctx, {site: 'berlin'})).result)
    expect(ja).toBe(jb)
    const first = (await runReconcile(sqliteHandle(a.db), a.ctx, {site: 'berlin'})).result
    const later = {...a.ctx, now: () => Date.parse('2026-06-01T05:00:00.000Z')}
    const second = (await runReconcile(sqliteHandle(a.db), later, {site: 'berlin'})).result
    expect(second.runId).toBe(first.runId + 1)
    expect(second.at).toBe('2026-06-01T05:00:00.000Z')
    expect({...second, runId: 0, at: ''}).toEqual({...first, runId: 0, at: ''})
    expect(first.exceptions.map((e) => e.class)).toEqual(['partially_paid', 'unpaid', 'unmatched_payment'])
  })

  it('an exception keeps its id across runs; resolved, it stays resolved until its facts change, then opens again', async () => {
    const w = await world()
    const first = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(first.open).toBe(3)
    const partial = first.exceptions.find((e) => e.class === 'partially_paid')!
    const r = resolveReconcileException(w.db, w.ctx, partial.id, 'customer pays the rest in June')
    expect(r).toMatchObject({id: partial.id, status: 'resolved', resolvedBy: 'sync-test'})
    const audit = queryAuditRows(w.db, {action: 'reconcile.resolve'})
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({actor: 'sync-test', subject: partial.id})

    const second = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(second.open).toBe(2)
    expect(second.exceptions.find((e) => e.id === partial.id)).toMatchObject({
      status: 'resolved',
      resolution: {by: 'sync-test', note: 'customer pays the rest in June'},
    })
    // another 10.00 EUR arrives: still partly paid, same cause, same id, but the facts changed: open again
    w.txn({id: 'ch_2b', amount: eur(1_000), customer: 'c1', invoice: 'inv-2', at: '2026-05-20T00:00:00Z'})
    const third = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(third.exceptions.find((e) => e.id === partial.id)).toMatchObject({status: 'open', resolution: null})
    expect(third.open).toBe(3)
    // paid in full: no exception at all
    w.txn({id: 'ch_2c', amount: eur(2_000), customer: 'c1', invoice: 'inv-2', at: '2026-05-21T00:00:00Z'})
    const fourth = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(fourth.exceptions.map((e) => e.id)).not.toContain(partial.id)
    expect(fourth.counts.matched).toBe(2)

    expect(() => resolveReconcileException(w.db, w.ctx, 'rx_nope', 'x')).toThrow(UsageError)
    expect(() => resolveReconcileException(w.db, w.ctx, partial.id, '  ')).toThrow(/--note/)
  })

  it('list and show: a run as it printed, with each exception as it is now', async () => {
    const w = await world()
    const first = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    const {runId, exceptions, ...summary} = first
    const shown = showReconcileRun(w.db, runId)
    expect(shown).toMatchObject(summary)
    expect(shown.exceptions.map(({changedSince, ...e}) => [changedSince, e])).toEqual(exceptions.map((e) => [false, e]))
    w.txn({id: 'ch_2b', amount: eur(1_000), customer: 'c1', invoice: 'inv-2', at: '2026-05-20T00:00:00Z'})
    await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})
    expect(showReconcileRun(w.db, runId).exceptions.map((e) => e.changedSince)).toEqual([true, false, false])
    expect(listReconcileRuns(w.db, {}).map((r) => [r.runId, r.site, r.exceptions, r.open])).toEqual([
      [runId + 1, 'berlin', 3, 3],
      [runId, 'berlin', 3, 3],
    ])
    expect(() => showReconcileRun(w.db, 999)).toThrow(/no reconcile run 999/)
    expect(queryAuditRows(w.db, {action: 'reconcile.run'})).toHaveLength(2)
  })

  it('--from/--to select invoices by issue date (their payments follow them), --provider the payments', async () => {
    const w = await world()
    const may = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin', from: '2026-05-01', to: '2026-06-01'}))
      .result
    expect(may.items.invoices).toMatchObject({unpaid: 1})
    expect(may.items.payments).toMatchObject({unmatched_payment: 1, matched: 0, partially_paid: 0})
    const april = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin', to: '2026-05-01T00:00:00Z'})).result
    expect(april.items.invoices).toMatchObject({matched: 1, partially_paid: 1, unpaid: 0})
    expect(april.items.payments.unmatched_payment).toBe(0)
    const other = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin', providers: ['other']})).result
    // acme's payments and their invoices are left out; the unpaid invoice stays (nothing ties it to a provider)
    expect(other.items.invoices).toMatchObject({matched: 0, partially_paid: 0, unpaid: 1})
    expect(other.items.payments.unmatched_payment).toBe(1)
    expect(other.identity.holds).toBe(true) // the identity always covers the whole site
    // `other` is no configured connection here, but its payments at berlin are history: it filters. A name with
    // neither is a typo, refused as the list commands refuse one.
    await expect(runReconcile(sqliteHandle(w.db), w.ctx, {site: 'mars'})).rejects.toMatchObject({
      constructor: UsageError,
      message: '--site mars: unknown site',
    })
    await expect(
      runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin', providers: ['other', 'ghost']}),
    ).rejects.toMatchObject({
      constructor: UsageError,
      message: '--provider ghost: unknown provider',
    })
    await expect(runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin', tolerance: '5'})).rejects.toThrow(
      /percentage/,
    )
    await expect(
      runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin', from: '2026-06-01', to: '2026-05-01'}),
    ).rejects.toThrow(/not before/)
  })

  it('a run with open exceptions raises reconcile_exceptions once per situation, not once per cron run', async () => {
    const w = await world()
    w.db.write(() =>
      insertAlertTarget(w.db, {
        id: 'ops',
        url: 'https://alerts.example.test/h',
        format: 'standard',
        events: ['reconcile_exceptions'],
      }),
    )
    const alerts = () =>
      w.db.raw
        .prepare(`SELECT payload FROM alerts_outbox WHERE event = 'reconcile_exceptions'`)
        .pluck()
        .all() as string[]
    const first = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(alerts()).toHaveLength(1)
    expect(JSON.parse(alerts()[0]!).data).toMatchObject({
      site: 'berlin',
      run: first.runId,
      open: 3,
      identityHolds: true,
    })
    await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})
    expect(alerts()).toHaveLength(1)
    // The facts change (one exception resolved): a new situation, a new alert.
    resolveReconcileException(w.db, w.ctx, first.exceptions[0]!.id, 'known')
    await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})
    expect(alerts()).toHaveLength(2)
    expect(JSON.parse(alerts()[1]!).data).toMatchObject({open: 2})
  })
})
