import {spawn} from 'node:child_process'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {GATEWAY_KINDS, type GatewayKind} from '../../src/gateways/registry.js'
import type {ScenarioCustomer} from '../../src/sandbox/model.js'
import {createRng} from '../../src/sandbox/prng.js'
import {retryKey} from '../../src/services/retry/request.js'
import {runSync} from '../../src/services/sync/sync.js'
import {BIN} from '../helpers/cli.js'
import {
  chargesMade,
  cleanCustomers,
  emulatorWorld,
  NO_FAULT,
  type EmulatorWorld,
} from '../services/retry/emulator-world.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'

/**
 * Show (issue 13): never a double charge, under fault injection across all five gateways. Each gateway's emulator
 * loses its answers AFTER acting on the request (timeouts, resets, cut bodies) or fails before (500s), and the
 * built `yms-pay retry run` is SIGKILLed at random moments while it sends, many times over; in-process runs then
 * go on with timeouts after sending, until every chain has ended. Afterwards the emulators' own answers show at
 * most one successful charge per failed payment, and the ledger's recoveries are exactly those charges.
 */
const KILLS = 24
/** Failed payments per gateway, in each of the two phases (killed runs; in-process runs with timeouts). */
const PER_GATEWAY = 5

let offset = 0
const clock = {now: () => Date.now() + offset}
let world: EmulatorWorld
const failures = new Map<string, {kind: GatewayKind; customer: ScenarioCustomer; minor: number}>()
let clean: ScenarioCustomer[] = []

/** PER_GATEWAY new failed payments at every gateway, as a sync would bring them now (distinct amounts, in USD). */
function failEverywhere(phase: number): void {
  GATEWAY_KINDS.forEach((kind, k) => {
    for (let i = 0; i < PER_GATEWAY; i++) {
      const n = (phase * GATEWAY_KINDS.length + k) * PER_GATEWAY + i
      const customer = clean[n % clean.length]!
      const minor = 1_000 + 137 * n // below Braintree's sandbox decline amounts (2000.00 and up)
      failures.set(world.fail(kind, customer, {minor, currency: 'USD'}), {kind, customer, minor})
    }
  })
}

interface Kill {
  killed: boolean
  code: number | null
  sendingAfter: number
}

/** `yms-pay retry run --json` as cron runs it, SIGKILLed `afterMs` after it took the retry lease (null: not killed). */
function retryRun(afterMs: number | null): Promise<Kill> {
  const watch = new Database(world.ctx.home.dbFile, {readonly: true})
  return new Promise<Kill>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'retry', 'run', '--json'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        CI: 'true',
        DBUS_SESSION_BUS_ADDRESS: '',
        YMS_PAY_HOME: world.home,
        ...world.env,
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    })
    let timer: NodeJS.Timeout | undefined
    const poll =
      afterMs === null
        ? undefined
        : setInterval(() => {
            if (watch.prepare(`SELECT 1 FROM leases WHERE name = 'retry:run'`).get() === undefined) return
            clearInterval(poll)
            timer = setTimeout(() => child.kill('SIGKILL'), afterMs)
          }, 5)
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearInterval(poll)
      clearTimeout(timer)
      clearTimeout(guard)
      const sendingAfter = watch
        .prepare(`SELECT COUNT(*) FROM retry_attempts WHERE status = 'sending'`)
        .pluck()
        .get() as number
      watch.close()
      resolve({killed: signal === 'SIGKILL', code, sendingAfter})
    })
  })
}

/** Moves the shared clock to the next moment a chain is due; false when no chain is open. */
function toNextDue(): boolean {
  const next = world.db.raw.prepare('SELECT MIN(next_at) FROM retries WHERE next_at IS NOT NULL').pluck().get() as
    string | null
  if (next === null) return false
  offset = Math.max(offset, Date.parse(next) - Date.now() + 1)
  return true
}

beforeAll(async () => {
  world = await emulatorWorld({
    kinds: GATEWAY_KINDS,
    clock,
    seed: 31,
    customers: 60,
    transactions: 80,
    providers: GATEWAY_KINDS.map((kind) => ({id: kind, kind, schedule: '1s', maxRetries: 12})),
  })
  // Customers with no failed payment anywhere: every emulator approves their stored method.
  clean = cleanCustomers(world.scenario)
  expect(clean.length).toBeGreaterThanOrEqual(PER_GATEWAY)
}, 120_000)

afterAll(async () => world?.close())

describe('never a double charge (five gateways, faults after sending, SIGKILL during createPayment)', () => {
  const kills: Kill[] = []

  it(`survives ${KILLS} SIGKILLs of the built retry run and faults after sending`, async () => {
    failEverywhere(0)
    for (const g of world.gateways.values())
      g.plan = {pattern: 'F.FFF..F.', kinds: ['500', 'reset-after', 'truncated'], holdMs: 0}
    const rng = createRng(20260413)
    for (let i = 0; i < KILLS; i++) {
      kills.push(await retryRun(Math.floor(rng.next() * 900)))
      await new Promise((r) => setTimeout(r, 300))
    }
    // The kills landed inside the work: some left an attempt recorded as being sent, whose outcome was then asked.
    expect(kills.filter((k) => k.killed).length).toBeGreaterThan(KILLS / 2)
    expect(kills.filter((k) => k.sendingAfter > 0).length).toBeGreaterThan(0)
  }, 300_000)

  it('goes on with timeouts after sending until every chain has ended', async () => {
    failEverywhere(1)
    for (const g of world.gateways.values())
      g.plan = {pattern: 'F.FFF..F.', kinds: ['timeout-after', 'reset-after', 'truncated', '500'], holdMs: 600}
    for (let i = 0; i < 60 && toNextDue(); i++) await world.run({http: {timeoutMs: 250, maxRetries: 2}})
    for (const g of world.gateways.values()) g.plan = NO_FAULT
    for (let i = 0; i < 60 && toNextDue(); i++) await world.run()
    const open = world.db.raw.prepare('SELECT txn_id, status, note FROM retries WHERE next_at IS NOT NULL').all()
    expect(open).toEqual([])
    // The faults struck every gateway, timeouts after sending among them.
    const struck = [...world.gateways.values()].map((g) => ({kind: g.kind, ...g.faults}))
    for (const f of struck)
      expect(f['reset-after'] + f['timeout-after'] + f.truncated + f['500'], JSON.stringify(f)).toBeGreaterThanOrEqual(
        3,
      )
    expect(
      struck.reduce((n, f) => n + f['timeout-after'], 0),
      JSON.stringify(struck),
    ).toBeGreaterThanOrEqual(3)
  }, 600_000)

  it('the emulators made at most one charge per failed payment, and the ledger’s recoveries are exactly those', async () => {
    const chainOfKey = new Map<string, string>()
    for (const txnId of failures.keys()) chainOfKey.set(retryKey(txnId, 1).replace(/-\d+$/, ''), txnId)
    const charges = chargesMade(world.gateways.values())
    const perFailure = new Map<string, string[]>()
    for (const c of charges) {
      const failed = chainOfKey.get(c.key.replace(/-\d+$/, ''))
      expect(failed, `charge ${c.kind}:${c.chargeId} answers key ${c.key}`).toBeDefined()
      perFailure.set(failed!, [...(perFailure.get(failed!) ?? []), `${c.kind}:${c.chargeId}`])
    }
    const doubles = [...perFailure.entries()].filter(([, list]) => list.length > 1)
    expect(doubles).toEqual([])
    // Most payments were recovered despite the storm (a run that ends unrecovered must say why).
    expect(perFailure.size).toBeGreaterThanOrEqual(failures.size - 2)

    const recovered = world.db.raw
      .prepare(`SELECT txn_id, recovered_txn FROM retries WHERE status = 'recovered'`)
      .all() as Array<{txn_id: string; recovered_txn: string}>
    expect(Object.fromEntries(recovered.map((r) => [r.txn_id, r.recovered_txn]))).toEqual(
      Object.fromEntries([...perFailure.entries()].map(([failed, list]) => [failed, list[0]])),
    )
    // Each recovery credits its customer once, for the failed payment's amount.
    for (const r of recovered) {
      const {customer, minor} = failures.get(r.txn_id)!
      const postings = world.db.raw
        .prepare(`SELECT amount_minor FROM ledger_postings WHERE txn_id = ? AND account = ?`)
        .pluck()
        .all(r.recovered_txn, `customer:${customer.id}`)
      expect(postings, r.recovered_txn).toEqual([-minor])
    }
  })

  it('a sync of every gateway afterwards finds no other charge for any retry, and changes no recovery', async () => {
    const never = new AbortController().signal
    const sync = await runSync(sqliteHandle(world.db), world.ctx, {signals: {stop: never, abort: never}})
    expect(sync.runs.map((r) => `${r.provider}:${r.status}`).sort()).toEqual(GATEWAY_KINDS.map((k) => `${k}:ok`).sort())
    const recovered = world.db.raw
      .prepare(`SELECT txn_id, recovered_txn FROM retries WHERE status = 'recovered'`)
      .all() as Array<{txn_id: string; recovered_txn: string}>
    // Where the gateway keeps the retry key on the payment (Stripe's metadata, Square's note), every succeeded
    // payment that carries one is a recovery.
    const keyed = world.db.raw
      .prepare(
        `SELECT id FROM transactions WHERE type = 'payment' AND status = 'succeeded' AND instr(metadata_json, 'ymsr-') > 0`,
      )
      .pluck()
      .all() as string[]
    expect(keyed.length).toBeGreaterThan(0)
    const ids = new Set(recovered.map((r) => r.recovered_txn))
    for (const id of keyed) expect(ids.has(id), id).toBe(true)
    for (const r of recovered) {
      const {customer, minor} = failures.get(r.txn_id)!
      const postings = world.db.raw
        .prepare(`SELECT amount_minor FROM ledger_postings WHERE txn_id = ? AND account = ?`)
        .pluck()
        .all(r.recovered_txn, `customer:${customer.id}`)
      expect(postings, r.recovered_txn).toEqual([-minor])
    }
  }, 120_000)
})
