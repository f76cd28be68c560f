import {afterAll, describe, expect, it} from 'vitest'

import {runDemo} from '../../../src/services/demo.js'
import {tempHome} from '../../commands/helpers.js'
import {testContext} from '../../helpers/sync-world.js'

/**
 * The demo gains retries: the failed payments its sync queued are retried; some recover on a later retry (their
 * provider was down for the first, without a fallback), some through the fallback, and the ledger shows each
 * recovery under the processor that made it.
 */
const {home, cleanup} = tempHome('yms-demo-retries-')
afterAll(cleanup)

describe('demo retries', () => {
  it('recovers some payments at their second retry and some through the fallback', async () => {
    const ctx = {...testContext(home, {}), home: {...testContext(home, {}).home, source: 'env' as const}}
    const result = await runDemo(
      ctx,
      {seed: 42, customers: 60, transactions: 700},
      (db) =>
        db.raw
          .prepare(
            `SELECT r.recovered_via AS via, r.recovered_slot AS slot, r.provider, t.provider AS charged_at, t.status
           FROM retries r JOIN transactions t ON t.id = r.recovered_txn WHERE r.status = 'recovered'`,
          )
          .all() as Array<{via: string; slot: number; provider: string; charged_at: string; status: string}>,
    )
    const {retries, finish: recovered} = result
    expect(retries.fallback).not.toBeNull()
    expect(retries.waited).not.toBeNull()
    const viaFallback = recovered.filter((r) => r.via === 'fallback')
    expect(viaFallback.length).toBeGreaterThan(0)
    for (const r of viaFallback)
      expect(r).toMatchObject({provider: retries.fallback!.provider, charged_at: retries.fallback!.to, slot: 1})
    const second = recovered.filter((r) => r.slot === 2)
    expect(second.length).toBeGreaterThan(0)
    expect(second.every((r) => r.provider === retries.waited && r.via === 'primary')).toBe(true)
    expect(recovered.every((r) => r.status === 'succeeded')).toBe(true)
    expect(retries.report).toMatchObject({recovered: recovered.length})
    expect(retries.report.byRoute.fallback.recovered).toBe(viaFallback.length)
    expect(retries.report.byAttempt.find((a) => a.attempt === 2)?.recovered).toBe(second.length)
  }, 120_000)
})
