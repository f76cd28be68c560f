import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {listRetryCodes} from '../../../src/services/retry-rules/codes.js'
import {runSync} from '../../../src/services/sync/sync.js'
import type {Db} from '../../../src/store/db.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../../helpers/sync-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const signals = () => ({stop: new AbortController().signal, abort: new AbortController().signal})

describe("a sync counts every failed payment's code once, on the page writer's thread (Stripe emulator)", () => {
  const scenario = worldScenario(400, 13)
  let world: SyncWorld
  let db: Db

  beforeAll(async () => {
    world = await createSyncWorld({scenario, clock: manualClock(WORLD_END)})
    db = world.open()
  })
  afterAll(async () => {
    db?.close()
    await world?.close()
  })

  it('the counts per code equal the scenario, and a second sync of the same world adds nothing', async () => {
    const want = new Map<string, number>()
    for (const p of scenario.payments) {
      if (p.outcome !== 'failed' || !p.decline) continue
      const code = world.stripe.emulator.declineFor(p.decline).code
      want.set(code, (want.get(code) ?? 0) + 1)
    }
    expect(want.size).toBeGreaterThan(1)
    const counts = () => new Map(listRetryCodes(db).codes.map((c) => [c.code, c.seen]))
    expect(
      (await runSync(sqliteHandle(db), world.ctx, {providers: [world.providerId], signals: signals()})).runs[0]?.status,
    ).toBe('ok')
    expect(counts()).toEqual(want)
    await runSync(sqliteHandle(db), world.ctx, {providers: [world.providerId], signals: signals()})
    expect(counts()).toEqual(want)
    // The emulator's codes are all in Stripe's table: none is unmapped.
    expect(listRetryCodes(db, {unmapped: true}).codes).toEqual([])
  })
})
