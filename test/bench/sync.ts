import {spawn, type ChildProcess} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {createInterface} from 'node:readline'

import {fmt, machineNote, median, table} from './stats.js'
import type {WorkerResult} from './sync/result.js'
import {startPeerPostgres, type PeerPostgres} from './sync/peer-postgres.js'
import {BENCH_PROVIDER, benchContext, benchSecretEnv, prepareHome} from './sync/yms-home.js'
import {copyLedgerToPostgres} from '../../src/services/store-copy/to-postgres.js'
import {openDatabase} from '../../src/store/db.js'

/**
 * Sync throughput: yms-pay's `runSync` against the Stripe emulator (its own process, loopback), side by side in
 * the same run with (a) the floor — undici + JSON.parse + one batched insert per page — and (b) the official SDK's
 * auto-pagination with one autocommit insert per charge. Every contestant runs in its own child process (peak RSS
 * per process), in rotated order per repetition; medians and ratios are reported. `peer` is Supabase's
 * stripe-sync-engine backfilling the same emulator into a PostgreSQL started for the run (sync/peer-postgres.ts);
 * `yms-pg` is yms-pay's `runSync` into a ledger in that same durable cluster (the home's ledger copied there before
 * the clock starts, as `store copy` does), through the handle `sync --database-url` uses.
 *
 *   npx tsx test/bench/sync.ts [--sizes 10000,100000] [--reps 3] [--only yms,yms-pg,floor,floor-ledger,sdk,sdk-wal,peer]
 *                              [--sdk-max 10000] [--cpu-prof DIR] [--json] [--alt DIR]
 *
 * --alt DIR adds `yms-alt` (and `yms-pg-alt` beside `yms-pg`): the same yms worker run from DIR (a scratch copy of
 * the repo holding a proposed change to src/, built), in the same rounds against the same emulator, so a fix is
 * measured under the same noise.
 */
const HERE = import.meta.dirname
const ROOT = resolve(HERE, '../..')
const argv = process.argv.slice(2)
if (argv.includes('--help') || argv.includes('-h')) {
  const source = readFileSync(import.meta.filename, 'utf8')
  const doc = source.slice(source.indexOf('/**'), source.indexOf('*/') + 2)
  process.stdout.write(`${doc}\n`)
  process.exit(0)
}
const opt = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback)
const sizes = opt('--sizes', '10000,100000').split(',').map(Number)
const reps = Number(opt('--reps', '3'))
const only = new Set(opt('--only', 'floor,floor-ledger,sdk,sdk-wal,yms').split(','))
// Per-row fsyncs make the SDK script the slowest by far; above this size it runs once rather than `reps` times.
const sdkMax = Number(opt('--sdk-max', '10000'))
const cpuProf = argv.includes('--cpu-prof') ? resolve(opt('--cpu-prof', '/tmp/yms-bench-prof')) : null
const asJson = argv.includes('--json')
const alt = argv.includes('--alt') ? resolve(opt('--alt', '')) : null
const WORKER_TIMEOUT_MS = 9 * 60_000

type Contestant = 'floor' | 'floor-ledger' | 'sdk' | 'sdk-wal' | 'yms' | 'yms-alt' | 'yms-pg' | 'yms-pg-alt' | 'peer'
const onPostgres = (kind: Contestant) => kind === 'yms-pg' || kind === 'yms-pg-alt'
const WORKERS: Record<Contestant, string> = {
  floor: join(HERE, 'sync/floor.ts'),
  'floor-ledger': join(HERE, 'sync/floor-ledger.ts'),
  sdk: join(HERE, 'sync/sdk.ts'),
  'sdk-wal': join(HERE, 'sync/sdk.ts'),
  yms: join(HERE, 'sync/yms.mjs'),
  'yms-alt': join(alt ?? HERE, alt ? 'test/bench/sync/yms.mjs' : 'sync/yms.mjs'),
  'yms-pg': join(HERE, 'sync/yms-pg.mjs'),
  'yms-pg-alt': join(alt ?? HERE, alt ? 'test/bench/sync/yms-pg.mjs' : 'sync/yms-pg.mjs'),
  peer: join(HERE, 'sync/peer-stripe-sync-engine.ts'),
}

interface Emulator {
  child: ChildProcess
  baseUrl: string
  secrets: Record<string, string>
  counts: {charges: number; refunds: number; disputes: number; customers: number}
  generatedMs: number
  rssMb: number
}

async function firstLine(child: ChildProcess, what: string): Promise<string> {
  const rl = createInterface({input: child.stdout!})
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolveLine, reject) => {
    rl.once('line', (line) => resolveLine(line))
    child.once('exit', (code) => reject(new Error(`${what} exited ${code} before answering: ${stderr.slice(-2000)}`)))
  })
}

async function startEmulator(transactions: number, exportDir: string): Promise<Emulator> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'sync/emulator-child.ts'), String(transactions), exportDir],
    {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']},
  )
  const line = await firstLine(child, 'emulator')
  return {child, ...(JSON.parse(line) as Omit<Emulator, 'child'>)}
}

async function runWorker(kind: Contestant, env: Record<string, string>, profDir: string | null): Promise<WorkerResult> {
  // The TypeScript contestants need the loader; yms-pay itself runs compiled, as shipped (see sync/yms.mjs).
  const flags = [
    ...(WORKERS[kind].endsWith('.mjs') ? [] : ['--import', 'tsx']),
    ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
  ]
  const child = spawn(process.execPath, [...flags, WORKERS[kind]], {
    cwd: (kind === 'yms-alt' || kind === 'yms-pg-alt') && alt ? alt : ROOT,
    env: {...process.env, ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), WORKER_TIMEOUT_MS)
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
  clearTimeout(timer)
  if (code !== 0) throw new Error(`${kind} worker exited ${code}: ${err.slice(-3000)}`)
  if (err.trim()) process.stderr.write(`[${kind}] ${err.trim()}\n`)
  const last = out.trim().split('\n').pop()!
  return JSON.parse(last) as WorkerResult
}

interface Row {
  size: number
  kind: Contestant
  runs: WorkerResult[]
}

async function benchSize(
  size: number,
  scratch: string,
  postgres: PeerPostgres | null,
): Promise<{rows: Row[]; emulator: Omit<Emulator, 'child' | 'secrets'>}> {
  const dir = join(scratch, String(size))
  const exportDir = join(dir, 'export')
  mkdirSync(exportDir, {recursive: true})
  const emulator = await startEmulator(size, exportDir)
  try {
    const template = await prepareHome(join(dir, 'template'), exportDir, emulator.baseUrl, emulator.secrets)
    const kinds = (
      ['floor', 'floor-ledger', 'sdk', 'sdk-wal', 'yms', 'yms-alt', 'yms-pg', 'yms-pg-alt', 'peer'] as const
    ).filter(
      (k) =>
        only.has(k) ||
        (alt !== null && ((k === 'yms-alt' && only.has('yms')) || (k === 'yms-pg-alt' && only.has('yms-pg')))),
    )
    const rows: Row[] = kinds.map((kind) => ({size, kind, runs: []}))
    for (let rep = 0; rep < reps; rep++) {
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(rep + k) % kinds.length]!
        if (kind.startsWith('sdk') && size > sdkMax && rep > 0) continue
        const runDir = join(dir, `${kind}-${rep}`)
        mkdirSync(runDir)
        const env: Record<string, string> = {
          BENCH_BASE_URL: emulator.baseUrl,
          BENCH_API_KEY: emulator.secrets.api_key!,
          BENCH_DB: join(runDir, 'charges.db'),
          BENCH_CHARGES: String(emulator.counts.charges),
          BENCH_SDK_WAL: kind === 'sdk-wal' ? '1' : '0',
        }
        if (kind === 'yms' || kind === 'yms-alt' || onPostgres(kind)) {
          copyFileSync(template, join(runDir, 'ledger.db'))
          Object.assign(env, {BENCH_HOME: runDir, BENCH_PROVIDER, ...benchSecretEnv(emulator.secrets)})
        }
        const database = `${kind === 'peer' ? 'peer' : kind.replaceAll('-', '')}_${size}_${rep}`
        if (onPostgres(kind)) {
          const {url, password} = await postgres!.freshApart(database)
          Object.assign(env, {BENCH_PG_URL: url, PGPASSWORD: password})
          await copyToPostgres(runDir, url, password)
        }
        if (kind === 'peer') {
          env.BENCH_PG_URL = await postgres!.fresh(database)
          env.BENCH_REFUNDS = String(emulator.counts.refunds)
          env.BENCH_DISPUTES = String(emulator.counts.disputes)
        }
        const profDir =
          cpuProf && (kind.startsWith('yms') || kind === 'floor') ? join(cpuProf, `${kind}-${size}-${rep}`) : null
        const emulatorCpu0 = cpuSeconds(emulator.child.pid!)
        const serverCpu0 = postgres?.cpuSeconds() ?? Number.NaN
        const result = await runWorker(kind, env, profDir)
        const emulatorCpu = cpuSeconds(emulator.child.pid!) - emulatorCpu0
        // The peer's writes cost CPU in PostgreSQL's processes too (migrations included): shown beside its own.
        const serverCpu = kind === 'peer' || onPostgres(kind) ? postgres!.cpuSeconds() - serverCpu0 : Number.NaN
        if (kind === 'peer' || onPostgres(kind)) await postgres!.drop(database)
        if (!asJson)
          process.stderr.write(
            `  ${size} ${kind} rep ${rep + 1}: ${result.items} items in ${fmt(result.ms / 1000, 2)} s (cpu ${fmt(result.cpuMs / 1000, 2)} s${result.detail?.startupCpuMs === undefined ? '' : ` of which ${fmt(Number(result.detail.startupCpuMs) / 1000, 2)} s before the clock started`}, emulator cpu ${fmt(emulatorCpu, 2)} s${Number.isNaN(serverCpu) ? '' : `, PostgreSQL cpu ${fmt(serverCpu, 2)} s`}), ${fmt((result.items * 1000) / result.ms, 0)}/s, peak RSS ${result.maxRssMb} MB\n`,
          )
        rows.find((r) => r.kind === kind)!.runs.push(result)
        rmSync(runDir, {recursive: true, force: true})
      }
    }
    const {child: _c, secrets: _s, ...info} = emulator
    return {rows, emulator: info}
  } finally {
    emulator.child.kill('SIGTERM')
  }
}

/** The run's home ledger into the empty database, as `yms-pay store copy --to` moves it (not timed). */
async function copyToPostgres(home: string, url: string, password: string): Promise<void> {
  const ctx = benchContext(home, {PGPASSWORD: password})
  // pg reads the password from this process's environment, as it does in the CLI's.
  process.env.PGPASSWORD = password
  const db = openDatabase(ctx.home.dbFile)
  try {
    await copyLedgerToPostgres(db, ctx, url)
  } finally {
    db.close()
  }
}

/** User + system CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

const rate = (r: WorkerResult) => (r.items * 1000) / r.ms
const chargeRate = (r: WorkerResult) => (r.charges * 1000) / r.chargesMs

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'yms-bench-sync-'))
  const all: Row[] = []
  const emulators: Record<number, unknown> = {}
  const postgres = only.has('peer') || only.has('yms-pg') ? await startPeerPostgres() : null
  try {
    for (const size of sizes) {
      if (!asJson) process.stderr.write(`size ${size}: generating, exporting, importing...\n`)
      const {rows, emulator} = await benchSize(size, scratch, postgres)
      all.push(...rows)
      emulators[size] = emulator
    }
  } finally {
    await postgres?.stop()
    rmSync(scratch, {recursive: true, force: true})
  }
  const machine = await machineNote()
  const summary = all.map((r) => {
    const floor = all.find((x) => x.size === r.size && x.kind === 'floor')
    const sdk = all.find((x) => x.size === r.size && x.kind === 'sdk')
    const sdkWal = all.find((x) => x.size === r.size && x.kind === 'sdk-wal')
    const floorLedger = all.find((x) => x.size === r.size && x.kind === 'floor-ledger')
    const yms = all.find((x) => x.size === r.size && x.kind === 'yms')
    const tput = median(r.runs.map(rate))
    return {
      size: r.size,
      kind: r.kind,
      reps: r.runs.length,
      items: r.runs[0]?.items ?? 0,
      medianSec: median(r.runs.map((x) => x.ms)) / 1000,
      perSec: tput,
      chargesPerSec: median(r.runs.map(chargeRate)),
      vsFloor: floor ? tput / median(floor.runs.map(rate)) : Number.NaN,
      vsSdk: sdk ? tput / median(sdk.runs.map(rate)) : Number.NaN,
      vsSdkWal: sdkWal ? tput / median(sdkWal.runs.map(rate)) : Number.NaN,
      vsFloorLedger: floorLedger ? tput / median(floorLedger.runs.map(rate)) : Number.NaN,
      // yms-pay's objects/s over this row's, paired by repetition (the two ran in the same round), then the median.
      ymsOver:
        yms && yms.runs.length === r.runs.length
          ? median(r.runs.map((x, i) => rate(yms.runs[i]!) / rate(x)))
          : Number.NaN,
      chargesVsFloor: floor ? median(r.runs.map(chargeRate)) / median(floor.runs.map(rate)) : Number.NaN,
      peakRssMb: Math.max(...r.runs.map((x) => x.maxRssMb)),
      detail: r.runs[0]?.detail,
    }
  })
  if (asJson) {
    console.log(JSON.stringify({machine, reps, emulators, summary, runs: all}, null, 2))
    return
  }
  console.log(`\nsync: ${reps} repetitions (median), contestants rotated per repetition; ${machine}`)
  console.log(`emulators: ${JSON.stringify(emulators)}\n`)
  console.log(
    table(
      [
        'size (payments)',
        'path',
        'reps',
        'objects',
        'median s',
        'objects/s',
        'x floor',
        'x floor (same table)',
        'x SDK script',
        'x SDK script (WAL)',
        'x yms (yms / this, paired)',
        'charges/s (charge phase)',
        'charges x floor',
        'peak RSS MB',
      ],
      summary.map((s) => [
        s.size,
        s.kind,
        s.reps,
        s.items,
        fmt(s.medianSec, 2),
        fmt(s.perSec, 0),
        fmt(s.vsFloor, 2),
        fmt(s.vsFloorLedger, 2),
        fmt(s.vsSdk, 2),
        fmt(s.vsSdkWal, 2),
        fmt(s.ymsOver, 2),
        fmt(s.chargesPerSec, 0),
        fmt(s.chargesVsFloor, 2),
        fmt(s.peakRssMb, 0),
      ]),
    ),
  )
}

await main()
