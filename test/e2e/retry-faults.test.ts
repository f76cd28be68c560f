import {spawn} from 'node:child_process'

import {beforeAll, describe, expect, it} from 'vitest'

import {GATEWAY_KINDS, type GatewayKind} from '../../src/gateways/registry.js'
import type {ScenarioCustomer} from '../../src/sandbox/model.js'
import {createRng} from '../../src/sandbox/prng.js'
import {retryKey} from '../../src/services/retry/request.js'
import {runSync} from '../../src/services/sync/sync.js'
import {all, type Ops, value, values} from '../../src/store/ops/op.js'
import {BIN} from '../helpers/cli.js'
import {databaseEnv} from '../helpers/copied-to-postgres.js'
import {testPostgres} from '../helpers/postgres.js'
import {
  chargesMade,
  cleanCustomers,
  emulatorWorld,
  NO_FAULT,
  type AfterSendFault,
  type Charge,
  type EmulatorWorld,
} from '../services/retry/emulator-world.js'

/**
 * Show (issue 13): never a double charge, under fault injection across all five gateways. Each gateway's emulator
 * loses its answers AFTER acting on the request (timeouts, resets, cut bodies) or fails before (500s), and the
 * built `yms-pay retry run` is SIGKILLed at random moments while it sends, many times over; in-process runs then
 * go on with timeouts after sending, until every chain has ended. Afterwards the emulators' own answers show at
 * most one successful charge per failed payment, and the ledger's recoveries are exactly those charges.
 *
 * On each engine: on PostgreSQL the home is set up on its file and copied in, and the built command and the
 * in-process runs share the copy (YMS_PAY_DATABASE_URL).
 */
const KILLS = 24
/** Failed payments per gateway, in each of the two phases (killed runs; in-process runs with timeouts). */
const PER_GATEWAY = 5

const postgres = await testPostgres()

interface Kill {
  killed: boolean
  code: number | null
  sendingAfter: number
}

/** A recovery, and its postings to the failed payment's customer (null: a recovery of no payment this test failed). */
interface Recovery {
  txn_id: string
  recovered_txn: string
  postings: number[] | null
}

/**
 * What the tests check, recorded as the storm goes: on PostgreSQL the test database is dropped after the first test,
 * so the whole storm runs before any, and its ledger is read before it closes.
 */
interface Storm {
  failures: Map<string, {kind: GatewayKind; customer: ScenarioCustomer; minor: number}>
  kills: Kill[]
  /** Chains still open once the in-process runs are done. */
  open: unknown[]
  struck: Array<{kind: GatewayKind} & Record<AfterSendFault, number>>
  /** The charges the emulators made, before the closing sync. */
  charges: Charge[]
  recovered: Recovery[]
  sync: string[]
  /** After the sync. */
  recoveredAfter: Recovery[]
  /** Succeeded payments carrying a retry key in their metadata, after the sync. */
  keyed: string[]
}

/** The storm on one engine: failed payments, the killed built runs, the in-process runs, the closing sync. */
async function storm(world: EmulatorWorld, clock: {offset: number}): Promise<Storm> {
  const failures: Storm['failures'] = new Map()
  const clean = cleanCustomers(world.scenario)
  expect(clean.length).toBeGreaterThanOrEqual(PER_GATEWAY)
  const ledger = world.ledger

  /** PER_GATEWAY new failed payments at every gateway, as a sync would bring them now (distinct amounts, in USD). */
  async function failEverywhere(phase: number): Promise<void> {
    for (const [k, kind] of GATEWAY_KINDS.entries())
      for (let i = 0; i < PER_GATEWAY; i++) {
        const n = (phase * GATEWAY_KINDS.length + k) * PER_GATEWAY + i
        const customer = clean[n % clean.length]!
        const minor = 1_000 + 137 * n // below Braintree's sandbox decline amounts (2000.00 and up)
        failures.set(await world.failOnLedger(kind, customer, {minor, currency: 'USD'}), {kind, customer, minor})
      }
  }

  /**
   * `yms-pay retry run --json` as cron runs it, SIGKILLed `afterMs` after it took the retry lease, or after it
   * recorded its first attempt (`from: 'attempt'`: a kill then lands among its sends; null: not killed).
   */
  async function retryRun(afterMs: number | null, from: 'lease' | 'attempt' = 'lease'): Promise<Kill> {
    const attemptsBefore = Number(await ledger.read(value('SELECT COUNT(*) FROM retry_attempts')))
    const started =
      from === 'lease'
        ? `SELECT 1 FROM leases WHERE name = 'retry:run'`
        : `SELECT 1 WHERE (SELECT COUNT(*) FROM retry_attempts) > ${attemptsBefore}`
    return new Promise<Kill>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'retry', 'run', '--json'], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          CI: 'true',
          DBUS_SESSION_BUS_ADDRESS: '',
          YMS_PAY_HOME: world.home,
          ...world.env,
          ...(world.postgres ? databaseEnv(world.postgres) : {}),
        },
        stdio: ['ignore', 'ignore', 'ignore'],
      })
      let timer: NodeJS.Timeout | undefined
      let asking = false
      const poll =
        afterMs === null
          ? undefined
          : setInterval(() => {
              if (asking) return
              asking = true
              void ledger
                .read(value(started))
                .then((held) => {
                  if (held === undefined || timer !== undefined) return
                  clearInterval(poll)
                  timer = setTimeout(() => child.kill('SIGKILL'), afterMs)
                })
                .catch(reject)
                .finally(() => (asking = false))
            }, 5)
      const guard = setTimeout(() => child.kill('SIGKILL'), 90_000)
      child.on('error', reject)
      child.on('close', (code, signal) => {
        clearInterval(poll)
        clearTimeout(timer)
        clearTimeout(guard)
        ledger
          .read(value(`SELECT COUNT(*) FROM retry_attempts WHERE status = 'sending'`))
          .then((sending) => resolve({killed: signal === 'SIGKILL', code, sendingAfter: Number(sending)}), reject)
      })
    })
  }

  /** Moves the shared clock to the next moment a chain is due; false when no chain is open. */
  async function toNextDue(): Promise<boolean> {
    const next = await ledger.read(value<string | null>('SELECT MIN(next_at) FROM retries WHERE next_at IS NOT NULL'))
    if (next === null || next === undefined) return false
    clock.offset = Math.max(clock.offset, Date.parse(next) - Date.now() + 1)
    return true
  }

  /** Each recovery, and what it posted to its failed payment's customer. */
  function* recoveries(): Ops<Recovery[]> {
    const rows = yield* all<{txn_id: string; recovered_txn: string}>(
      `SELECT txn_id, recovered_txn FROM retries WHERE status = 'recovered'`,
    )
    const out: Recovery[] = []
    for (const r of rows) {
      const failed = failures.get(r.txn_id)
      const postings = failed
        ? yield* values<number | bigint | string>(
            `SELECT amount_minor FROM ledger_postings WHERE txn_id = ? AND account = ?`,
            [r.recovered_txn, `customer:${failed.customer.id}`],
          )
        : null
      out.push({...r, postings: postings?.map(Number) ?? null})
    }
    return out
  }

  // The built retry run, SIGKILLed at random moments while it sends.
  await failEverywhere(0)
  for (const g of world.gateways.values())
    g.plan = {pattern: 'F.FFF..F.', kinds: ['500', 'reset-after', 'truncated'], holdMs: 0}
  const rng = createRng(20260413)
  const kills: Kill[] = []
  // Every other kill at a random moment of the run, the others among its sends: how long a run takes to reach its
  // first send differs by engine and load (on PostgreSQL, here, often longer than the 900 ms), and a storm whose kills
  // all land before any send tests nothing of what happens after one.
  for (let i = 0; i < KILLS; i++) {
    kills.push(await retryRun(Math.floor(rng.next() * (i % 2 === 0 ? 900 : 300)), i % 2 === 0 ? 'lease' : 'attempt'))
    await new Promise((r) => setTimeout(r, 300))
  }

  // In-process runs with timeouts after sending, then without faults, until every chain has ended.
  await failEverywhere(1)
  for (const g of world.gateways.values())
    g.plan = {pattern: 'F.FFF..F.', kinds: ['timeout-after', 'reset-after', 'truncated', '500'], holdMs: 600}
  for (let i = 0; i < 60 && (await toNextDue()); i++) await world.run({http: {timeoutMs: 250, maxRetries: 2}})
  for (const g of world.gateways.values()) g.plan = NO_FAULT
  for (let i = 0; i < 60 && (await toNextDue()); i++) await world.run()
  const open = await ledger.read(all('SELECT txn_id, status, note FROM retries WHERE next_at IS NOT NULL'))
  const struck = [...world.gateways.values()].map((g) => ({kind: g.kind, ...g.faults}))
  const charges = chargesMade(world.gateways.values())
  const recovered = await ledger.read(recoveries())

  // A sync of every gateway afterwards.
  const never = new AbortController().signal
  const sync = await runSync(ledger, world.ctx, {signals: {stop: never, abort: never}})
  // Where the gateway keeps the retry key on the payment (Stripe's metadata, Square's note).
  const keyed = await ledger.read(
    values<string>({
      sqlite: `SELECT id FROM transactions WHERE type = 'payment' AND status = 'succeeded' AND instr(metadata_json, 'ymsr-') > 0`,
      postgres: `SELECT id FROM transactions WHERE type = 'payment' AND status = 'succeeded' AND strpos(metadata_json, 'ymsr-') > 0`,
    }),
  )
  return {
    failures,
    kills,
    open,
    struck,
    charges,
    recovered,
    sync: sync.runs.map((r) => `${r.provider}:${r.status}`).sort(),
    recoveredAfter: await ledger.read(recoveries()),
    keyed,
  }
}

const ENGINES = [
  {engine: 'sqlite', skip: undefined},
  {engine: 'postgres', skip: postgres.skip},
] as const
const storms = new Map<string, Storm>()

// Both engines' storms at once, before any test: most of a storm is waiting (answers held past the client's
// timeout, the built command starting), so the file takes about one storm's time rather than two.
beforeAll(async () => {
  const outcomes = await Promise.allSettled(
    ENGINES.filter((e) => e.skip === undefined).map(async ({engine}) => {
      const clock = {offset: 0, now: () => Date.now() + clock.offset}
      const world = await emulatorWorld({
        kinds: GATEWAY_KINDS,
        clock,
        seed: 31,
        customers: 60,
        transactions: 80,
        providers: GATEWAY_KINDS.map((kind) => ({id: kind, kind, schedule: '1s', maxRetries: 12})),
        postgres: engine === 'postgres' ? postgres : undefined,
      })
      try {
        storms.set(engine, await storm(world, clock))
      } finally {
        // Here, not after the tests: the test database is dropped after the first.
        await world.close()
      }
    }),
  )
  for (const o of outcomes) if (o.status === 'rejected') throw o.reason
}, 900_000)

describe.each(ENGINES)(
  'never a double charge (five gateways, faults after sending, SIGKILL during createPayment; $engine)',
  ({engine, skip}) => {
    describe.skipIf(skip !== undefined)('the storm', () => {
      let s: Storm
      beforeAll(() => {
        s = storms.get(engine)!
      })
      it(`survives ${KILLS} SIGKILLs of the built retry run and faults after sending`, () => {
        // The kills landed inside the work: some left an attempt recorded as being sent, whose outcome was then asked.
        expect(s.kills.filter((k) => k.killed).length).toBeGreaterThan(KILLS / 2)
        expect(s.kills.filter((k) => k.sendingAfter > 0).length).toBeGreaterThan(0)
      })

      it('goes on with timeouts after sending until every chain has ended', () => {
        expect(s.open).toEqual([])
        // The faults struck every gateway, timeouts after sending among them.
        for (const f of s.struck)
          expect(
            f['reset-after'] + f['timeout-after'] + f.truncated + f['500'],
            JSON.stringify(f),
          ).toBeGreaterThanOrEqual(3)
        expect(
          s.struck.reduce((n, f) => n + f['timeout-after'], 0),
          JSON.stringify(s.struck),
        ).toBeGreaterThanOrEqual(3)
      })

      it('the emulators made at most one charge per failed payment, and the ledger’s recoveries are exactly those', () => {
        const chainOfKey = new Map<string, string>()
        for (const txnId of s.failures.keys()) chainOfKey.set(retryKey(txnId, 1).replace(/-\d+$/, ''), txnId)
        const perFailure = new Map<string, string[]>()
        for (const c of s.charges) {
          const failed = chainOfKey.get(c.key.replace(/-\d+$/, ''))
          expect(failed, `charge ${c.kind}:${c.chargeId} answers key ${c.key}`).toBeDefined()
          perFailure.set(failed!, [...(perFailure.get(failed!) ?? []), `${c.kind}:${c.chargeId}`])
        }
        const doubles = [...perFailure.entries()].filter(([, list]) => list.length > 1)
        expect(doubles).toEqual([])
        // Most payments were recovered despite the storm (a run that ends unrecovered must say why).
        expect(perFailure.size).toBeGreaterThanOrEqual(s.failures.size - 2)

        expect(Object.fromEntries(s.recovered.map((r) => [r.txn_id, r.recovered_txn]))).toEqual(
          Object.fromEntries([...perFailure.entries()].map(([failed, list]) => [failed, list[0]])),
        )
        // Each recovery credits its customer once, for the failed payment's amount.
        for (const r of s.recovered) {
          const {minor} = s.failures.get(r.txn_id)!
          expect(r.postings, r.recovered_txn).toEqual([-minor])
        }
      })

      it('a sync of every gateway afterwards finds no other charge for any retry, and changes no recovery', () => {
        expect(s.sync).toEqual(GATEWAY_KINDS.map((k) => `${k}:ok`).sort())
        // Where the gateway keeps the retry key on the payment (Stripe's metadata, Square's note), every succeeded
        // payment that carries one is a recovery.
        expect(s.keyed.length).toBeGreaterThan(0)
        const ids = new Set(s.recoveredAfter.map((r) => r.recovered_txn))
        for (const id of s.keyed) expect(ids.has(id), id).toBe(true)
        for (const r of s.recoveredAfter) {
          const {minor} = s.failures.get(r.txn_id)!
          expect(r.postings, r.recovered_txn).toEqual([-minor])
        }
      })
    })
  },
)
