import {afterEach, describe, expect, it, vi} from 'vitest'

import {setCodeOverride} from '../../../src/services/retry-rules/codes.js'
import {engineWorld, type EngineWorld, type FailedPayment} from './engine-world.js'

/**
 * The retry reaction reads the admins' retry rules (code overrides, network settings) once per applied page, in
 * that page's write transaction, not once per failed payment in it: a backfill brings thousands of failures. The
 * queue it builds is the one a payment-by-payment apply builds, and a rule changed between two pages (`retry-rules
 * codes set` during `sync --watch`) decides the next page.
 */
const T0 = '2026-03-01T10:00:00.000Z'
const RULE_READS = ['FROM retry_code_overrides', 'FROM retry_network_settings']

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

/** Page 1, then an admin overrides insufficient_funds to terminal, then page 2. */
function twoPages(w: EngineWorld, apply: (ps: FailedPayment[]) => void): void {
  apply(page(1))
  setCodeOverride(w.db, w.ctx, {kind: 'stripe', code: 'insufficient_funds', decision: 'terminal'})
  apply(page(2))
}

const queue = (w: EngineWorld) =>
  w.db.raw.prepare('SELECT txn_id, status, next_at, note FROM retries ORDER BY txn_id').all() as Array<{
    txn_id: string
  }>

describe('retry rules on the sync write path', () => {
  it('are read once per page, and the queue is the one a payment-by-payment apply builds', async () => {
    const paged = await world()
    const stmt = vi.spyOn(paged.db, 'stmt')
    const ruleReads = () => stmt.mock.calls.filter(([sql]) => RULE_READS.some((r) => sql.includes(r))).length
    twoPages(paged, (ps) => {
      const before = ruleReads()
      paged.failPage(ps)
      expect(ruleReads() - before).toBe(RULE_READS.length)
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
  })
})
