import {afterEach, describe, expect, it} from 'vitest'

import {setProviderEnabled} from '../../../src/services/providers.js'
import type {ProviderRun} from '../../../src/services/sync/run-provider.js'
import {watchSync} from '../../../src/services/sync/watch.js'
import type {Db} from '../../../src/store/db.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../../helpers/sync-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

let world: SyncWorld | undefined
let db: Db | undefined
afterEach(async () => {
  db?.close()
  db = undefined
  await world?.close()
  world = undefined
})

describe('watch mode and disabled providers', () => {
  it('a provider disabled while watching is not called again until enabled; one enabled again is', async () => {
    world = await createSyncWorld({scenario: worldScenario(30, 9), clock: manualClock(WORLD_END)})
    db = world.open()
    const stop = new AbortController()
    const runs: ProviderRun[] = []
    const notes: string[] = []
    const ctx = {...world.ctx, note: (m: string) => notes.push(m)}
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
    const watching = watchSync(sqliteHandle(db), ctx, {
      intervalMs: 40,
      signals: {stop: stop.signal, abort: new AbortController().signal},
      onRun: (run) => runs.push(run),
    })
    while (runs.length === 0) await wait(10)
    await setProviderEnabled(sqliteHandle(db), ctx, world.providerId, false)
    const calls = world.stripe.requests()
    const runsWhenDisabled = runs.length
    await wait(400) // ten intervals
    expect(world.stripe.requests()).toBe(calls)
    expect(runs.length).toBe(runsWhenDisabled)
    expect(notes).toEqual([`${world.providerId}: disabled, skipped until it is enabled again`])

    await setProviderEnabled(sqliteHandle(db), ctx, world.providerId, true)
    while (runs.length === runsWhenDisabled) await wait(10)
    expect(world.stripe.requests()).toBeGreaterThan(calls)
    stop.abort()
    await watching
  })
})
