import {spawn, type ChildProcess} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {createInterface} from 'node:readline'

import Database from 'better-sqlite3'

import {exportScenario} from '../../src/sandbox/export.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {getMetrics} from '../../src/services/metrics.js'
import {openDatabase} from '../../src/store/db.js'
import {fmt, machineNote, median, pairedRatio, quantile, table} from './stats.js'
import {BENCH_PROVIDER, benchContext, benchSecretEnv, prepareHome} from './sync/yms-home.js'
import type {BenchCustomer} from './webhooks/stripe-event.js'

/**
 * Webhook receipt throughput: sustained signed Stripe `charge.succeeded` events on loopback from a separate load
 * process (undici, `--concurrency` connections), into (a) the floor, node:http that reads the body and answers 200,
 * and (b) `yms-pay webhooks serve` as shipped (bin/run.js), which verifies each signature, applies it through the
 * ledger (customer lookup, grants, postings, latency sample) and commits it durably before answering. Each in its
 * own process, rotated per repetition; medians and paired ratios are reported. After each yms-pay run every
 * answered event must be in the ledger, and `metrics` must report its webhook-to-ledger times.
 *
 * Saturation runs give the throughput; paced runs (an open loop at --rates events a second, as a gateway sends
 * whatever the receiver does) give the latency at an operating point.
 *
 *   npm run build && npx oclif manifest && npx tsx test/bench/webhooks.ts [--seconds 10] [--reps 3] [--concurrency 32]
 *                                                                          [--rates 250,1000] [--durable-floor] [--json]
 */
const HERE = import.meta.dirname
const ROOT = resolve(HERE, '../..')
const argv = process.argv.slice(2)
const opt = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback)
const seconds = Number(opt('--seconds', '10'))
const reps = Number(opt('--reps', '3'))
const concurrency = Number(opt('--concurrency', '32'))
/** Paced runs (events a second, open loop) for the latency at an operating point, after the saturation runs. */
const rates = opt('--rates', '250,1000').split(',').filter(Boolean).map(Number)
const asJson = argv.includes('--json')
const WEBHOOK_SECRET = 'whsec_benchWebhookSecret0000000000000000'

type Contestant = 'floor' | 'durable' | 'yms'
/**
 * --durable-floor: a third contestant, `durable` (webhooks/durable-floor.mjs): node:http that verifies each signature
 * and commits the raw event durably before 200, with no ledger: what the target's terms cost whatever is done with the
 * event, beside the floor in the same run.
 */
const withDurable = argv.includes('--durable-floor')
const KINDS: readonly Contestant[] = withDurable ? ['floor', 'durable', 'yms'] : ['floor', 'yms']

interface Load {
  ok: number
  refused: number
  errors: number
  ms: number
  perSec: number
  p50Ms: number
  p99Ms: number
  sent: number
}

interface Run {
  load: Load
  /** yms-pay only: what the ledger holds afterwards, and what `metrics` says about it. */
  ledger?: {events: number; webhookToLedgerP99: number | null; webhookToLedgerP50: number | null}
}

async function firstLine(child: ChildProcess, what: string): Promise<string> {
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolveLine, reject) => {
    createInterface({input: child.stdout!}).once('line', resolveLine)
    child.once('exit', (code) => reject(new Error(`${what} exited ${code} before answering: ${stderr.slice(-2000)}`)))
  })
}

/** A bench home: the world's sites and customers imported, the Stripe provider with its webhook secret. */
async function prepare(dir: string): Promise<{template: string; customersFile: string}> {
  const scenario = generateScenario({
    seed: 42,
    customers: 500,
    transactions: 0,
    start: '2026-01-01T00:00:00.000Z',
    end: '2026-04-01T00:00:00.000Z',
    gateways: ['stripe'],
  })
  const exportDir = join(dir, 'export')
  mkdirSync(exportDir, {recursive: true})
  await exportScenario({...scenario, invoices: []}, exportDir)
  const template = await prepareHome(join(dir, 'template'), exportDir, 'http://127.0.0.1:9', {
    api_key: 'sk_test_bench_unused_0000000000',
    webhook_secret: WEBHOOK_SECRET,
  })
  const currency = new Map(scenario.sites.map((s) => [s.id, s.currency]))
  const customers: BenchCustomer[] = scenario.customers.map((c) => ({
    ref: c.refs.stripe,
    currency: currency.get(c.site)!,
  }))
  const customersFile = join(dir, 'customers.json')
  writeFileSync(customersFile, JSON.stringify(customers))
  return {template, customersFile}
}

function startServer(kind: Contestant, runDir: string): {child: ChildProcess; env: Record<string, string>} {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    YMS_PAY_HOME: runDir,
    DBUS_SESSION_BUS_ADDRESS: '',
    ...benchSecretEnv({webhook_secret: WEBHOOK_SECRET}),
    BENCH_SECRET: WEBHOOK_SECRET,
    BENCH_DB: join(runDir, 'events.db'),
  }
  const args =
    kind === 'floor'
      ? [join(HERE, 'webhooks/floor.mjs')]
      : kind === 'durable'
        ? [join(HERE, 'webhooks/durable-floor.mjs')]
        : [
            // e.g. BENCH_YMS_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server under this load, or
            // '--import ./test/bench/webhooks/thread-cpu.mjs' for its CPU per event on each thread
            ...(process.env.BENCH_YMS_NODE_ARGS ?? '').split(' ').filter(Boolean),
            join(ROOT, 'bin/run.js'),
            'webhooks',
            'serve',
            '--port',
            '0',
            '--json',
          ]
  return {child: spawn(process.execPath, args, {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']}), env}
}

async function runLoad(url: string, customersFile: string, rate: number): Promise<Load> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'webhooks/load.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      BENCH_TARGET: url,
      BENCH_SECRET: WEBHOOK_SECRET,
      BENCH_SECONDS: String(seconds),
      BENCH_CONCURRENCY: String(concurrency),
      BENCH_CUSTOMERS: customersFile,
      BENCH_RATE: String(rate),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return JSON.parse(await firstLine(child, 'load')) as Load
}

async function runOnce(
  kind: Contestant,
  runDir: string,
  prepared: {template: string; customersFile: string},
  rate: number,
): Promise<Run> {
  mkdirSync(runDir, {recursive: true})
  if (kind === 'yms') copyFileSync(prepared.template, join(runDir, 'ledger.db'))
  const {child} = startServer(kind, runDir)
  const {url} = JSON.parse(await firstLine(child, kind)) as {url: string}
  const load = await runLoad(`${url}/webhooks/${BENCH_PROVIDER}`, prepared.customersFile, rate)
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  child.kill('SIGTERM')
  const code = await exited
  if (code !== 0) throw new Error(`${kind} server exited ${code} after SIGTERM`)
  if (kind !== 'yms') return {load}
  return {load, ledger: ledgerAfter(runDir)}
}

/** What the ledger holds after a yms-pay run, and the webhook-to-ledger times `metrics` reports. */
function ledgerAfter(runDir: string): Run['ledger'] {
  const ctx = benchContext(runDir, {})
  const db = openDatabase(ctx.home.dbFile, {readonly: true})
  try {
    const events = db.raw.prepare('SELECT COUNT(*) FROM webhook_events').pluck().get() as number
    const m = getMetrics(db, ctx, {window: '1h', provider: BENCH_PROVIDER}).providers[0]!
    return {events, webhookToLedgerP50: m.webhookToLedgerMs.p50, webhookToLedgerP99: m.webhookToLedgerMs.p99}
  } finally {
    db.close()
  }
}

/**
 * The disk's own floor for "durable before the answer": one-row WAL commits with synchronous=FULL, as the ledger
 * makes them, measured in the same run. No receipt-to-commit time can be shorter than this.
 */
function durableCommitFloor(dir: string): {p50: number; p99: number} {
  const db = new Database(join(dir, 'fsync-probe.db'))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    const ms: number[] = []
    for (let i = 0; i < 400; i++) {
      const t0 = performance.now()
      db.transaction(() => insert.run('x'.repeat(100))).immediate()
      ms.push(performance.now() - t0)
    }
    return {p50: quantile(ms, 0.5), p99: quantile(ms, 0.99)}
  } finally {
    db.close()
  }
}

/** 0: saturation (each connection sends when answered); otherwise an open loop at that many events a second. */
type Phase = number

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'yms-bench-webhooks-'))
  const phases: Phase[] = [0, ...rates]
  const runs = new Map<Phase, Record<Contestant, Run[]>>(phases.map((p) => [p, {floor: [], durable: [], yms: []}]))
  let disk = {p50: Number.NaN, p99: Number.NaN}
  try {
    const prepared = await prepare(scratch)
    disk = durableCommitFloor(scratch)
    if (!asJson)
      process.stderr.write(`  durable 1-row commit: p50 ${fmt(disk.p50, 2)} ms, p99 ${fmt(disk.p99, 1)} ms\n`)
    const kinds = KINDS
    for (const phase of phases) {
      for (let rep = 0; rep < reps; rep++) {
        for (let k = 0; k < kinds.length; k++) {
          const kind = kinds[(rep + k) % kinds.length]!
          const dir = join(scratch, `${phase}-${kind}-${rep}`)
          const run = await runOnce(kind, dir, prepared, phase)
          runs.get(phase)![kind].push(run)
          if (!asJson)
            process.stderr.write(
              `  ${phase === 0 ? 'saturation' : `${phase}/s`} ${kind} rep ${rep + 1}: ${describe(run)}\n`,
            )
          rmSync(dir, {recursive: true, force: true})
        }
      }
    }
  } finally {
    rmSync(scratch, {recursive: true, force: true})
  }
  report(runs, disk, await machineNote())
}

function describe(run: Run): string {
  const l = run.load
  const ledger = run.ledger
    ? `, ledger ${run.ledger.events} events (${l.sent} sent), webhook-to-ledger p99 ${run.ledger.webhookToLedgerP99} ms`
    : ''
  return `${fmt(l.perSec, 0)} events/s (${l.ok} ok, ${l.refused} refused, ${l.errors} errors), client p50 ${fmt(l.p50Ms, 1)} ms p99 ${fmt(l.p99Ms, 1)} ms${ledger}`
}

const PATH_NAMES: Record<Contestant, string> = {
  floor: 'floor (node:http, read body, 200)',
  durable: 'durable floor (verify, raw event committed, 200)',
  yms: '**yms-pay webhooks serve**',
}

function report(runs: Map<Phase, Record<Contestant, Run[]>>, disk: {p50: number; p99: number}, machine: string): void {
  const rate = (r: Run) => r.load.perSec
  const rows = [...runs].flatMap(([phase, byKind]) => {
    return KINDS.map((kind) => ({
      load: phase === 0 ? `saturation, ${concurrency} connections` : `${phase} events/s`,
      kind,
      reps: byKind[kind].length,
      perSec: median(byKind[kind].map(rate)),
      ratio: pairedRatio(byKind[kind].map(rate), byKind.floor.map(rate)),
      clientP50: median(byKind[kind].map((r) => r.load.p50Ms)),
      clientP99: median(byKind[kind].map((r) => r.load.p99Ms)),
      ledgerP99:
        kind === 'yms' ? median(byKind.yms.map((r) => r.ledger!.webhookToLedgerP99 ?? Number.NaN)) : Number.NaN,
      allCommitted: kind === 'yms' ? byKind.yms.every((r) => r.ledger!.events === r.load.sent) : null,
    }))
  })
  if (asJson) {
    process.stdout.write(
      `${JSON.stringify({machine, seconds, concurrency, rows, runs: Object.fromEntries(runs)}, null, 2)}\n`,
    )
    return
  }
  process.stdout.write(
    `${table(
      [
        'load',
        'path',
        'reps',
        'events/s',
        'x floor',
        'client p50 ms',
        'client p99 ms',
        'webhook-to-ledger p99 ms (metrics)',
        'every sent event in the ledger',
      ],
      rows.map((r) => [
        r.load,
        PATH_NAMES[r.kind],
        r.reps,
        fmt(r.perSec, 0),
        r.kind === 'yms' ? `**${fmt(r.ratio, 2)}**` : fmt(r.ratio, 2),
        fmt(r.clientP50, 1),
        fmt(r.clientP99, 1),
        Number.isNaN(r.ledgerP99) ? '' : fmt(r.ledgerP99, 0),
        r.allCommitted === null ? '' : r.allCommitted ? 'yes' : 'NO',
      ]),
    )}\n\nA durable one-row commit on this disk (WAL, synchronous=FULL), same run: p50 ${fmt(disk.p50, 2)} ms, p99 ${fmt(disk.p99, 1)} ms.\n${machine}; ${seconds} s per run after 2 s of warm-up\n`,
  )
}

await main()
