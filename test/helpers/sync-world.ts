import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AppContext} from '../../src/app/context.js'
import {resolveHome} from '../../src/app/home.js'
import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {envVarName} from '../../src/secrets/names.js'
import {
  serveHandler,
  type GatewayEmulator,
  type RequestHandler,
  type RunningServer,
} from '../../src/sandbox/emulator.js'
import {exportScenario} from '../../src/sandbox/export.js'
import {injectFaults, NO_FAULTS, type FaultKind, type FaultSpec} from '../../src/sandbox/faults.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import type {Scenario} from '../../src/sandbox/model.js'
import type {SandboxGateway} from '../../src/sandbox/serve.js'
import {importCustomers} from '../../src/services/customers.js'
import {importInvoices} from '../../src/services/invoices.js'
import {addProvider} from '../../src/services/providers.js'
import {importSites} from '../../src/services/sites.js'
import {openDatabase, type Db} from '../../src/store/db.js'
import {type LedgerHandle, sqliteHandle} from '../../src/store/ops/ledger-handle.js'
import {all} from '../../src/store/ops/op.js'
import {openHomeLedger} from './home-ledger.js'
import {PG_MODE} from './pg-mode.js'

/**
 * A whole sync world for engine tests: a temp home with the YMS side of a generated scenario imported (sites,
 * customers, invoices, through the same import services the CLI uses), the Stripe emulator of the same scenario
 * on loopback (optionally behind seeded faults and a per-request delay), and a provider with a `*` write grant
 * whose API key comes from YMS_PAY_SECRET_<ID>_API_KEY, as cron would provide it.
 */
export const WORLD_START = '2026-01-01T00:00:00.000Z'
export const WORLD_END = '2026-04-01T00:00:00.000Z'

export function worldScenario(
  transactions: number,
  seed = 7,
  customers = Math.max(20, Math.floor(transactions / 20)),
): Scenario {
  return generateScenario({seed, customers, transactions, start: WORLD_START, end: WORLD_END, gateways: ['stripe']})
}

/** A clock the test moves by hand (the emulator reveals the world up to it). */
export interface ManualClock {
  now(): number
  set(iso: string): void
  iso(): string
}

export function manualClock(iso: string): ManualClock {
  let ms = Date.parse(iso)
  return {now: () => ms, set: (next) => void (ms = Date.parse(next)), iso: () => new Date(ms).toISOString()}
}

export interface ServedStripe {
  emulator: GatewayEmulator
  server: RunningServer
  baseUrl: string
  faultCounts: Record<FaultKind, number>
  /** Requests the emulator saw (faulted or not). */
  requests(): number
  close(): Promise<void>
}

export async function serveStripe(
  scenario: Scenario,
  opts: {clock: {now(): number}; faults?: FaultSpec; seed?: number; delayMs?: number; holdMs?: number},
): Promise<ServedStripe> {
  const emulator = createStripeEmulator({scenario, share: 'own', clock: opts.clock})
  const faults = injectFaults(emulator, {
    spec: opts.faults ?? NO_FAULTS,
    seed: opts.seed ?? 1,
    holdMs: opts.holdMs ?? 200,
  })
  let requests = 0
  const delay = opts.delayMs ?? 0
  const handler: RequestHandler = async (req, raw) => {
    requests++
    if (delay > 0) await new Promise((r) => setTimeout(r, delay))
    return faults.handler(req, raw)
  }
  const server = await serveHandler(handler)
  return {
    emulator,
    server,
    baseUrl: server.baseUrl,
    faultCounts: faults.counts,
    requests: () => requests,
    close: async () => {
      faults.release()
      await server.close()
    },
  }
}

export function testContext(home: string, env: NodeJS.ProcessEnv, now: () => number = Date.now): AppContext {
  return {
    home: resolveHome({flag: home, env, xdgDataDir: home, xdgConfigDir: home}),
    actor: 'sync-test',
    env,
    terminal: {color: false, interactive: false, stdoutIsTty: false},
    now,
    note: () => {},
    warn: () => {},
  }
}

/** The environment a cron job would have: the provider's secrets as YMS_PAY_SECRET_<ID>_<FIELD>. */
export function secretEnv(providerId: string, secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([field, value]) => [envVarName(providerId, field), value]))
}

export interface HomeOptions {
  providerId: string
  baseUrl: string
  secrets: Record<string, string>
  /** Import only these customers (and their invoices); default all. */
  customers?: (c: Scenario['customers'][number]) => boolean
  /** Grant segments; default ['*'] (no grant at all with []). */
  segments?: string[]
}

export interface BuiltHome {
  home: string
  /** The home's SQLite file; in the suite's PostgreSQL run the ledger is the home's database instead (home-ledger.ts). */
  dbFile: string
  env: Record<string, string>
  ctx: AppContext
  /** Opens the home's SQLite ledger (the caller closes it); refused in the PostgreSQL run, where it is not the ledger. */
  open(): Db
  cleanup(): void
}

/** In the suite's PostgreSQL run (pg-mode.ts) the home is built in its database, where its commands will look. */
export async function buildHome(scenario: Scenario, opts: HomeOptions): Promise<BuiltHome> {
  const home = mkdtempSync(join(tmpdir(), 'yms-sync-'))
  const env = secretEnv(opts.providerId, opts.secrets)
  const ctx = testContext(home, env)
  const ledger = await openHomeLedger(home)
  try {
    await importWorldInto(ledger.handle, ctx, scenario, opts.customers ?? (() => true))
    await addProvider(ledger.handle, ctx, {
      id: opts.providerId,
      kind: 'stripe',
      baseUrl: opts.baseUrl,
      sites: [],
      settings: {},
      segments: opts.segments ?? ['*'],
      fallback: null,
      retrySchedule: null,
      maxRetries: null,
      secrets: {},
    })
  } finally {
    await ledger.close()
  }
  return {
    home,
    dbFile: ctx.home.dbFile,
    env,
    ctx,
    open: () => {
      if (PG_MODE) throw new Error(`the ledger of ${home} is in PostgreSQL in this run: use openHomeLedger`)
      return openDatabase(ctx.home.dbFile)
    },
    cleanup: () => rmSync(home, {recursive: true, force: true}),
  }
}

/** Imports sites, the selected customers and their invoices through the CSV import services. */
export function importWorld(
  db: Db,
  ctx: AppContext,
  scenario: Scenario,
  keep: (c: Scenario['customers'][number]) => boolean,
): Promise<void> {
  return importWorldInto(sqliteHandle(db), ctx, scenario, keep)
}

async function importWorldInto(
  ledger: LedgerHandle,
  ctx: AppContext,
  scenario: Scenario,
  keep: (c: Scenario['customers'][number]) => boolean,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'yms-export-'))
  try {
    const customers = scenario.customers.filter(keep)
    const ids = new Set(customers.map((c) => c.id))
    const {files} = await exportScenario(
      {...scenario, customers, invoices: scenario.invoices.filter((i) => ids.has(i.customer))},
      dir,
    )
    for (const [what, run, file] of [
      ['sites', importSites, files.sites],
      ['customers', importCustomers, files.customers],
      ['invoices', importInvoices, files.invoices],
    ] as const) {
      const r = await run(ledger, ctx, file)
      if (r.rejected.length > 0)
        throw new Error(`${what} import rejected rows: ${JSON.stringify(r.rejected.slice(0, 3))}`)
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

export interface SyncWorld extends BuiltHome {
  scenario: Scenario
  stripe: ServedStripe
  providerId: string
  close(): Promise<void>
}

export async function createSyncWorld(opts: {
  scenario: Scenario
  clock: {now(): number}
  providerId?: string
  faults?: FaultSpec
  faultSeed?: number
  delayMs?: number
  customers?: HomeOptions['customers']
  segments?: string[]
}): Promise<SyncWorld> {
  const providerId = opts.providerId ?? 'acme-stripe'
  const stripe = await serveStripe(opts.scenario, {
    clock: opts.clock,
    faults: opts.faults,
    seed: opts.faultSeed,
    delayMs: opts.delayMs,
  })
  const home = await buildHome(opts.scenario, {
    providerId,
    baseUrl: stripe.baseUrl,
    secrets: stripe.emulator.secrets,
    customers: opts.customers,
    segments: opts.segments,
  })
  return {
    ...home,
    scenario: opts.scenario,
    stripe,
    providerId,
    close: async () => {
      await stripe.close()
      home.cleanup()
    },
  }
}

/**
 * ignoreFeeOfUnpostedStates: a charge seen pending (fee 0 on its balance transaction) and later failed (no balance
 * transaction, fee null) keeps the stale fee 0 through apply.ts keepKnownFee, while a fresh backfill stores null.
 * It moves no money (failed payments post nothing) and is reported separately (apply.test.ts), so snapshots leave
 * the fee of non-succeeded states out.
 *
 * What a ledger says, in a form two homes can be compared by (ids are provider-scoped, so equal across homes). */
export interface LedgerSnapshot {
  /** id -> "type status amount currency fee" of the latest state. */
  transactions: Record<string, string>
  /** "txn|account|currency" -> summed minor units (zero sums dropped). */
  positions: Record<string, number>
  /** "account|currency" -> balance, customer accounts only. */
  customerBalances: Record<string, number>
}

const SNAPSHOT_TXNS =
  'SELECT id, type, status, amount_minor, currency, fee_minor, customer_id FROM transactions ORDER BY id'
const SNAPSHOT_POSITIONS = `SELECT txn_id, account, currency, SUM(amount_minor) AS minor FROM ledger_postings
  GROUP BY txn_id, account, currency HAVING SUM(amount_minor) <> 0 ORDER BY 1, 2, 3`
const SNAPSHOT_BALANCES = `SELECT account, currency, SUM(amount_minor) AS minor FROM ledger_postings WHERE account LIKE 'customer:%'
  GROUP BY account, currency HAVING SUM(amount_minor) <> 0 ORDER BY 1, 2`

type TxnRow = Record<string, string | number | null>
type SumRow = {txn_id?: string; account: string; currency: string; minor: number | string}

export function snapshot(db: Db): LedgerSnapshot {
  const rows = (sql: string) => db.raw.prepare(sql).all()
  return toSnapshot(
    rows(SNAPSHOT_TXNS) as TxnRow[],
    rows(SNAPSHOT_POSITIONS) as SumRow[],
    rows(SNAPSHOT_BALANCES) as SumRow[],
  )
}

/** snapshot through a ledger handle: the same on PostgreSQL (whose sums come back as text) as on SQLite. */
export async function ledgerSnapshot(ledger: LedgerHandle): Promise<LedgerSnapshot> {
  return ledger.read(
    (function* () {
      return toSnapshot(
        yield* all<TxnRow>(SNAPSHOT_TXNS),
        yield* all<SumRow>(SNAPSHOT_POSITIONS),
        yield* all<SumRow>(SNAPSHOT_BALANCES),
      )
    })(),
  )
}

function toSnapshot(
  txns: readonly TxnRow[],
  positions: readonly SumRow[],
  balances: readonly SumRow[],
): LedgerSnapshot {
  return {
    // The fee only where it moves money (a succeeded payment): see ignoreFeeOfUnpostedStates.
    transactions: Object.fromEntries(
      txns.map((t) => [
        t.id,
        `${t.type} ${t.status} ${t.amount_minor} ${t.currency} fee=${t.type === 'payment' && t.status === 'succeeded' ? t.fee_minor : '-'} ${t.customer_id}`,
      ]),
    ),
    positions: Object.fromEntries(positions.map((p) => [`${p.txn_id}|${p.account}|${p.currency}`, Number(p.minor)])),
    customerBalances: Object.fromEntries(balances.map((b) => [`${b.account}|${b.currency}`, Number(b.minor)])),
  }
}

/** Posting sets (txn_id, version) whose lines do not sum to zero in some currency: must be empty. */
export function unbalancedPostingSets(db: Db): Array<{txn_id: string; version: number; currency: string; sum: number}> {
  return db.raw
    .prepare(
      'SELECT txn_id, version, currency, SUM(amount_minor) AS sum FROM ledger_postings GROUP BY txn_id, version, currency HAVING sum != 0',
    )
    .all() as Array<{txn_id: string; version: number; currency: string; sum: number}>
}

/**
 * One provider per served sandbox gateway, named by its kind and granted every segment, with its secrets in `env`
 * as a cron job passes them. `settings` may add to a gateway's own (Square's notification_url, which it signs).
 */
export async function connectSandboxGateways(
  ledger: Db | LedgerHandle,
  ctx: AppContext,
  gateways: readonly SandboxGateway[],
  settings: (g: SandboxGateway) => Record<string, string> = () => ({}),
): Promise<void> {
  for (const g of gateways) {
    for (const [field, value] of Object.entries(g.secrets)) ctx.env[envVarName(g.kind, field)] = value
    await addProvider('engine' in ledger ? ledger : sqliteHandle(ledger), ctx, {
      id: g.kind,
      kind: g.kind,
      baseUrl: g.baseUrl,
      sites: [],
      settings: {...g.settings, ...settings(g)},
      segments: ['*'],
      fallback: null,
      retrySchedule: null,
      maxRetries: null,
      secrets: {},
    })
  }
}
