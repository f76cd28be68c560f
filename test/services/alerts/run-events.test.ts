import {createServer} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {createMemoryKeychain, createSecretStore} from '../../../src/secrets/index.js'
import {alertOnRunEnd, CallWitness, RECOVERY_SETTLE_MS, type Reach} from '../../../src/services/alerts/run-events.js'
import {addAlertTarget} from '../../../src/services/alerts/targets.js'
import {updateProvider} from '../../../src/services/providers.js'
import {syncProvider} from '../../../src/services/sync/run-provider.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {getProvider} from '../../../src/store/repos/providers.js'
import {storeId} from '../../../src/store/repos/store-identity.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../../helpers/sync-world.js'
import {addStandardTarget, alertsHome, secretOf} from './helpers.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

const T0 = Date.parse('2026-03-01T00:00:00.000Z')
const at = (ms: number) => new Date(T0 + ms).toISOString()
const MIN = 60_000

async function home() {
  const h = alertsHome()
  cleanups.push(h.cleanup)
  await addStandardTarget(h, 'ops', 'https://alerts.example.test/hook', secretOf(4))
  return h
}

const raised = (db: Db) =>
  db.raw.prepare('SELECT event, raised_at AS at, payload FROM alerts_outbox ORDER BY seq').all() as Array<{
    event: string
    at: string
    payload: string
  }>

function run(db: Db, ms: number, reach: Reach, failed?: {code: string}) {
  alertOnRunEnd(db, {
    provider: 'p1',
    status: failed ? 'failed' : 'ok',
    reach,
    error: failed ? {message: `failed: ${failed.code}`, code: failed.code} : undefined,
    at: at(ms),
  })
}

describe('run-level alerts', () => {
  it('a flapping gateway sends one gateway_down and, once it holds, one gateway_recovered', async () => {
    const {db} = await home()
    // Down, then up and down every minute for ten minutes: one outage.
    for (let m = 0; m <= 10; m++) run(db, m * MIN, m % 2 === 0 ? 'down' : 'up', m % 2 === 0 ? {code: 'x'} : undefined)
    expect(raised(db).map((r) => r.event)).toEqual(['gateway_down'])
    // Up from minute 11 on: recovered only once it has answered for RECOVERY_SETTLE_MS.
    for (let m = 11; m <= 30; m++) run(db, m * MIN, 'up')
    const events = raised(db)
    expect(events.map((r) => r.event)).toEqual(['gateway_down', 'gateway_recovered'])
    expect(Date.parse(events[1]!.at) - (T0 + 11 * MIN)).toBe(RECOVERY_SETTLE_MS)
    expect(JSON.parse(events[1]!.payload).data).toMatchObject({downSince: at(0), answeringSince: at(11 * MIN)})
    // A later outage is a new one.
    run(db, 60 * MIN, 'down')
    expect(raised(db).map((r) => r.event)).toEqual(['gateway_down', 'gateway_recovered', 'gateway_down'])
  })

  it('sync_failed once per failure episode and error code, not when the gateway is down, again after a success', async () => {
    const {db} = await home()
    run(db, 0, 'up', {code: 'auth_refused'})
    run(db, 1 * MIN, 'up', {code: 'auth_refused'})
    run(db, 2 * MIN, null, {code: 'auth_refused'})
    run(db, 3 * MIN, 'up', {code: 'secret_missing'})
    run(db, 4 * MIN, 'down', {code: 'internal'})
    run(db, 5 * MIN, 'up')
    run(db, 6 * MIN, 'up', {code: 'auth_refused'})
    const fails = raised(db).filter((r) => r.event === 'sync_failed')
    expect(fails.map((r) => [r.at, JSON.parse(r.payload).data.code])).toEqual([
      [at(0), 'auth_refused'],
      [at(3 * MIN), 'secret_missing'],
      [at(6 * MIN), 'auth_refused'],
    ])
  })

  it('a call witness: one sensible answer is up; timeouts, 5xx, 429 and open circuits alone are down; no call says nothing', () => {
    const w = new CallWitness()
    expect(w.reach()).toBeNull()
    w.observe({outcome: 'timeout', status: null})
    w.observe({outcome: 'http_error', status: 503})
    w.observe({outcome: 'rate_limited', status: 429})
    w.observe({outcome: 'circuit_open', status: null})
    expect(w.reach()).toBe('down')
    w.observe({outcome: 'http_error', status: 401})
    expect(w.reach()).toBe('up')
  })
})

describe('run-level alerts from a real sync run', () => {
  it('a gateway that refuses connections raises gateway_down (not sync_failed); answering again, gateway_recovered', async () => {
    const world: SyncWorld = await createSyncWorld({scenario: worldScenario(20, 3), clock: manualClock(WORLD_END)})
    cleanups.push(() => world.close())
    const clock = manualClock('2026-04-01T00:00:00.000Z')
    const db = openDatabase(world.dbFile, {clock: clock.now})
    cleanups.push(() => db.close())
    const store = createSecretStore({namespace: storeId(db), env: {}, backend: createMemoryKeychain()})
    const target = {
      id: 'ops',
      url: 'https://alerts.example.test/hook',
      events: 'gateway_down,gateway_recovered,sync_failed',
      secrets: {secret: secretOf(5)},
    }
    await addAlertTarget(sqliteHandle(db), world.ctx, {...target, format: 'standard'}, store)
    const closed = await closedPort()
    await updateProvider(sqliteHandle(db), world.ctx, world.providerId, {baseUrl: `http://127.0.0.1:${closed}`})
    const never = new AbortController().signal
    const sync = () =>
      syncProvider(sqliteHandle(db), world.ctx, getProvider(db, world.providerId)!, {
        signals: {stop: never, abort: never},
      })

    expect((await sync()).status).toBe('failed')
    expect(raised(db).map((r) => r.event)).toEqual(['gateway_down'])
    await updateProvider(sqliteHandle(db), world.ctx, world.providerId, {baseUrl: world.stripe.baseUrl})
    expect((await sync()).status).toBe('ok')
    expect(raised(db).map((r) => r.event)).toEqual(['gateway_down'])
    clock.set(new Date(clock.now() + RECOVERY_SETTLE_MS).toISOString())
    expect((await sync()).status).toBe('ok')
    expect(raised(db).map((r) => r.event)).toEqual(['gateway_down', 'gateway_recovered'])
  }, 30_000)
})

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
