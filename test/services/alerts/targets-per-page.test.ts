import {afterEach, describe, expect, it, vi} from 'vitest'

import {insertAlertTarget} from '../../../src/store/repos/alerts.js'
import {engineWorld, type EngineWorld, type FailedPayment} from '../retry/engine-world.js'

/**
 * The alerts an apply raises read the alert targets once per applied page (for every event type), in that page's write
 * transaction, not once per transaction in it. The alerts and their deliveries are the ones a transaction-by-
 * transaction apply raises, and a target added between two pages (`alerts add` during `sync --watch`) takes the
 * next page's.
 */
const T0 = '2026-03-01T10:00:00.000Z'
const TARGET_READ = 'FROM alert_targets WHERE enabled = 1'

const worlds: EngineWorld[] = []
afterEach(() => {
  while (worlds.length > 0) worlds.pop()!.close()
})

const target = (id: string, events: string[]) =>
  ({id, url: `http://127.0.0.1:9/${id}`, format: 'standard', events}) as const

async function world(): Promise<EngineWorld> {
  const w = await engineWorld(T0)
  worlds.push(w)
  await w.addProvider('primary')
  insertAlertTarget(w.db, target('ops', ['failed_transaction', 'balance_changed']))
  return w
}

/** Two failures (failed_transaction) and two payments (balance_changed), on separate bills. */
const page = (n: number): FailedPayment[] =>
  [0, 1, 2, 3].map((i) => ({
    provider: 'primary',
    externalId: `ch_${n}_${i}`,
    customer: i % 2 === 0 ? 'c1' : 'c2',
    invoice: `inv-${n}-${i}`,
    status: i < 2 ? 'failed' : 'succeeded',
  }))

/** Page 1, then an admin adds a target for failures, then page 2. */
function twoPages(w: EngineWorld, apply: (ps: FailedPayment[]) => void): void {
  apply(page(1))
  insertAlertTarget(w.db, target('oncall', ['failed_transaction']))
  apply(page(2))
}

/** Every alert raised and who it goes to (the message id is random per process, so left out). */
const raised = (w: EngineWorld) =>
  w.db.raw
    .prepare(
      `SELECT o.event, o.subject, o.payload,
         (SELECT group_concat(target_id) FROM (SELECT target_id FROM alert_deliveries WHERE outbox_seq = o.seq
           ORDER BY target_id)) AS targets
       FROM alerts_outbox o ORDER BY o.seq`,
    )
    .all() as Array<{event: string; subject: string; targets: string}>

describe('alert targets on the sync write path', () => {
  it('are read once per page, and the alerts are the ones a one-by-one apply raises', async () => {
    const paged = await world()
    const stmt = vi.spyOn(paged.db, 'stmt')
    const reads = () => stmt.mock.calls.filter(([sql]) => sql.includes(TARGET_READ)).length
    twoPages(paged, (ps) => {
      const before = reads()
      paged.failPage(ps)
      expect(reads() - before).toBe(1) // for failed_transaction and balance_changed both: not once per payment
    })

    const single = await world()
    twoPages(single, (ps) => ps.forEach((p) => single.fail(p)))

    expect(raised(paged)).toEqual(raised(single))
    // The target added between the pages took page 2's failures, and only those.
    expect(raised(paged).map((a) => `${a.event} ${a.subject} -> ${a.targets}`)).toEqual([
      'failed_transaction primary:ch_1_0 -> ops',
      'failed_transaction primary:ch_1_1 -> ops',
      'balance_changed c1 -> ops',
      'balance_changed c2 -> ops',
      'failed_transaction primary:ch_2_0 -> oncall,ops',
      'failed_transaction primary:ch_2_1 -> oncall,ops',
      'balance_changed c1 -> ops',
      'balance_changed c2 -> ops',
    ])
  })
})
