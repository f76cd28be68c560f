import {afterEach, describe, expect, it, vi} from 'vitest'

import {setCodeOverride} from '../../../src/services/retry-rules/codes.js'
import {updateProvider} from '../../../src/store/repos/providers.js'
import {engineWorld, type EngineWorld, type FailedPayment} from './engine-world.js'

/**
 * The retry reaction reads the admins' retry rules (code overrides, network settings) and the failed payment's
 * connection (its retry schedule) once per applied page, in that page's write transaction, not once per failed
 * payment in it: a backfill brings thousands of failures. The queue it builds is the one a payment-by-payment apply
 * builds, and a rule or schedule changed between two pages (`retry codes set`, `providers update` during `sync
 * --watch`) decides the next page.
 */
const T0 = '2026-03-01T10:00:00.000Z'
const PER_PAGE_READS = [
  'FROM retry_code_overrides',
  'FROM retry_network_settings',
  'FROM providers WHERE id = ?',
  'FROM provider_sites WHERE provider = ?',
]

const worlds: EngineWorld[] = []
afterEach(() => {
  while (worlds.length > 0) worlds.pop()!.close()
})

async function world(): Promise<EngineWorld> {
  const w = await engineWorld(T0)
  worlds.push(w)
  await w.addProvider('primary', {schedule: '5m,1h', maxRetries: 2})
  return w
}

/** Four failures on separate bills (one chain each), two codes. */
const page = (n: number): FailedPayment[] =>
  [0, 1, 2, 3].map((i) => ({
    provider: 'primary',
    externalId: `ch_${n}_${i}`,
    customer: i % 2 === 0 ? 'c1' : 'c2',
    invoice: `inv-${n}-${i}`,
    code: i < 2 ? 'insufficient_funds' : 'processing_error',
  }))

/** Page 1, then an admin overrides insufficient_funds to terminal and changes the schedule, then page 2. */
function twoPages(w: EngineWorld, apply: (ps: FailedPayment[]) => void): void {
  apply(page(1))
  setCodeOverride(w.db, w.ctx, {kind: 'stripe', code: 'insufficient_funds', decision: 'terminal'})
  updateProvider(w.db, 'primary', {retrySchedule: '10m,2h'})
  apply(page(2))
}

const queue = (w: EngineWorld) =>
  w.db.raw.prepare('SELECT txn_id, status, next_at, note FROM retries ORDER BY txn_id').all() as Array<{
    txn_id: string
    note: string
  }>

describe('retry rules on the sync write path', () => {
  it('and the connection are read once per page, and the queue is the one a payment-by-payment apply builds', async () => {
    const paged = await world()
    const stmt = vi.spyOn(paged.db, 'stmt')
    const reads = () => stmt.mock.calls.filter(([sql]) => PER_PAGE_READS.some((r) => sql.includes(r))).length
    twoPages(paged, (ps) => {
      const before = reads()
      paged.failPage(ps)
      expect(reads() - before).toBe(PER_PAGE_READS.length)
    })

    const single = await world()
    twoPages(single, (ps) => ps.forEach((p) => single.fail(p)))

    expect(queue(paged)).toEqual(queue(single))
    // The override decided page 2: its insufficient_funds failures were not queued, page 1's were.
    expect(queue(paged).map((r) => r.txn_id)).toEqual([
      'primary:ch_1_0',
      'primary:ch_1_1',
      'primary:ch_1_2',
      'primary:ch_1_3',
      'primary:ch_2_2',
      'primary:ch_2_3',
    ])
    // And the schedule changed between the pages decided page 2's first retry.
    expect(queue(paged).map((r) => r.note.match(/\(([^,]+,[^,]+), at most/)?.[1])).toEqual([
      ...Array<string>(4).fill('5m,1h'),
      '10m,2h',
      '10m,2h',
    ])
  })
})
