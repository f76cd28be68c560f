import {afterEach, describe, expect, it} from 'vitest'

import type {AppContext} from '../../../src/app/context.js'
import {createMemoryKeychain, createSecretStore} from '../../../src/secrets/index.js'
import {addAlertTarget} from '../../../src/services/alerts/targets.js'
import {showCustomer} from '../../../src/services/customers.js'
import {runSync} from '../../../src/services/sync/sync.js'
import type {Db} from '../../../src/store/db.js'
import {storeId} from '../../../src/store/repos/store-identity.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../../helpers/sync-world.js'
import {secretOf} from './helpers.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

let world: SyncWorld | undefined
let db: Db | undefined
afterEach(async () => {
  db?.close()
  db = undefined
  await world?.close()
  world = undefined
})

const never = new AbortController().signal
const signals = {stop: never, abort: never}

interface OutboxRow {
  seq: number
  event: string
  subject: string
  customer: string | null
  site: string | null
  payload: string
}

async function worldWithTarget(opts: {thread: 'worker' | 'main'; events: string; segments?: string[]; seed?: number}) {
  world = await createSyncWorld({
    scenario: worldScenario(120, opts.seed ?? 11),
    clock: manualClock(WORLD_END),
    segments: opts.segments,
  })
  db = world.open()
  const ctx: AppContext = {
    ...world.ctx,
    env: {...world.ctx.env, YMS_PAY_SYNC_WORKER: opts.thread === 'worker' ? '1' : '0'},
  }
  const store = createSecretStore({namespace: storeId(db), env: {}, backend: createMemoryKeychain()})
  await addAlertTarget(
    sqliteHandle(db),
    ctx,
    {
      id: 'yms',
      format: 'standard',
      url: 'http://127.0.0.1:9/hook',
      events: opts.events,
      secrets: {secret: secretOf(3)},
    },
    store,
  )
  return {db, ctx}
}

interface BalanceData {
  site: string
  balances: Array<{minor: number; currency: string}>
  inBase: {minor: number; currency: string} | null
  transaction: {id: string}
}

const outbox = (d: Db, event: string) =>
  d.raw
    .prepare('SELECT seq, event, subject, customer, site, payload FROM alerts_outbox WHERE event = ? ORDER BY seq')
    .all(event) as OutboxRow[]

describe.each(['worker', 'main'] as const)('alerts raised by an apply (page writer on the %s thread)', (thread) => {
  it('balance_changed for every posting that moved a customer, carrying the balance after it; failed_transaction once per failure', async () => {
    const {db, ctx} = await worldWithTarget({thread, events: 'balance_changed,failed_transaction'})
    await runSync(sqliteHandle(db), ctx, {signals})

    const changes = outbox(db, 'balance_changed')
    const moves = db.raw
      .prepare(
        `SELECT COUNT(*) FROM (SELECT DISTINCT txn_seq, posted_at FROM ledger_postings WHERE account GLOB 'customer:*' AND txn_seq IS NOT NULL)`,
      )
      .pluck()
      .get() as number
    expect(moves).toBeGreaterThan(20)
    expect(changes).toHaveLength(moves)
    // The last alert of each customer says what `customers show` says now: per currency and in the site's currency.
    const lastByCustomer = new Map(changes.map((c) => [c.customer!, JSON.parse(c.payload) as {data: BalanceData}]))
    for (const [customer, {data}] of lastByCustomer) {
      const shown = showCustomer(db, ctx, customer)
      expect(data.site).toBe(shown.site)
      expect(data.balances.map((b) => ({minor: b.minor, currency: b.currency}))).toEqual(shown.balances)
      expect(data.inBase === null ? null : {minor: data.inBase.minor, currency: data.inBase.currency}).toEqual(
        shown.baseBalanceError === null ? shown.baseBalance : null,
      )
      expect(data.transaction.id).toMatch(/^acme-stripe:/)
    }
    const failed = db.raw.prepare(`SELECT id FROM transactions WHERE status = 'failed' ORDER BY id`).pluck().all()
    expect(failed.length).toBeGreaterThan(0)
    expect(
      outbox(db, 'failed_transaction')
        .map((r) => r.subject)
        .sort(),
    ).toEqual(failed)

    // A second sync re-reads the same world: nothing moves, nothing is raised.
    const before = db.raw.prepare('SELECT COUNT(*) FROM alerts_outbox').pluck().get()
    await runSync(sqliteHandle(db), ctx, {signals})
    expect(db.raw.prepare('SELECT COUNT(*) FROM alerts_outbox').pluck().get()).toBe(before)
  })
})

describe('alerts raised by an apply', () => {
  it('access_denied once per held object, naming the customer, segment and site the provider may not write', async () => {
    const {db, ctx} = await worldWithTarget({thread: 'main', events: 'access_denied', segments: ['retail']})
    await runSync(sqliteHandle(db), ctx, {signals})
    const denied = db.raw
      .prepare(`SELECT external_id FROM quarantine WHERE reason = 'access_denied' AND status = 'open' ORDER BY 1`)
      .pluck()
      .all() as string[]
    expect(denied.length).toBeGreaterThan(0)
    const alerts = outbox(db, 'access_denied')
    expect(alerts.map((a) => a.subject.replace(/^acme-stripe:/, '')).sort()).toEqual(denied)
    for (const a of alerts) {
      const {data} = JSON.parse(a.payload) as {data: {customer: string; site: string; segment: string}}
      expect(data.segment).not.toBe('retail')
      const customer = showCustomer(db, ctx, data.customer)
      expect({site: customer.site, segment: customer.segment}).toEqual({site: data.site, segment: data.segment})
    }
    await runSync(sqliteHandle(db), ctx, {signals})
    expect(outbox(db, 'access_denied')).toHaveLength(alerts.length)
  })

  it('raises nothing, and builds nothing, for an event no target takes', async () => {
    const {db, ctx} = await worldWithTarget({thread: 'main', events: 'gateway_down'})
    await runSync(sqliteHandle(db), ctx, {signals})
    expect(db.raw.prepare('SELECT COUNT(*) FROM transactions').pluck().get()).toBeGreaterThan(50)
    expect(db.raw.prepare('SELECT COUNT(*) FROM alerts_outbox').pluck().get()).toBe(0)
  })
})
