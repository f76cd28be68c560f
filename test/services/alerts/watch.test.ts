import {afterEach, describe, expect, it} from 'vitest'

import {addAlertTarget} from '../../../src/services/alerts/targets.js'
import {watchSync} from '../../../src/services/sync/watch.js'
import type {Db} from '../../../src/store/db.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../../helpers/sync-world.js'
import {alertReceiver, secretOf} from './helpers.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

let world: SyncWorld | undefined
let db: Db | undefined
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!()
  db?.close()
  db = undefined
  await world?.close()
  world = undefined
})

describe('sync --watch delivers alerts continuously', () => {
  it('the balance changes a watch run raises reach the receiver while it watches, signed, without a flush', async () => {
    const secret = secretOf(12)
    const rx = await alertReceiver([secret])
    closers.push(rx.close)
    world = await createSyncWorld({scenario: worldScenario(40, 5), clock: manualClock(WORLD_END)})
    db = world.open()
    // As cron or systemd would provide it: the target's secret in the environment.
    const ctx = {...world.ctx, env: {...world.ctx.env, YMS_PAY_SECRET_ALERT_YMS_SECRET: secret}}
    await addAlertTarget(sqliteHandle(db), ctx, {
      id: 'yms',
      format: 'standard',
      url: rx.url,
      events: 'balance_changed',
      secrets: {},
    })
    const stop = new AbortController()
    const watching = watchSync(sqliteHandle(db), ctx, {
      intervalMs: 60_000,
      signals: {stop: stop.signal, abort: new AbortController().signal},
    })
    const raised = () => db!.raw.prepare('SELECT COUNT(*) FROM alerts_outbox').pluck().get() as number
    await expectEventually(() => raised() > 0 && rx.accepted().length === raised())
    stop.abort()
    await watching
    expect(rx.received.every((r) => r.verified && r.payload?.type === 'balance_changed')).toBe(true)
    expect(new Set(rx.accepted().map((r) => r.id)).size).toBe(raised())
  })
})

async function expectEventually(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('not within the time allowed')
    await new Promise((r) => setTimeout(r, 20))
  }
}
