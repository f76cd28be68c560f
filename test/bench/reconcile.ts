import {spawn} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import {fmt, machineNote, median, pairedRatio, table} from './stats.js'

/**
 * Reconciliation of one site: `invoices` invoices against about 1.1 transactions each (5% of the invoices exceptions
 * over every class: test/bench/reconcile/world.ts), beside a floor measured in the same run on the same database:
 * one SQL join that only counts exact reference matches (reconcile/floor.mjs). yms-pay runs compiled, as shipped
 * (reconcile/yms.mjs: the service `reconcile --site` calls, storing included), and end to end through the CLI
 * (`bin/run.js reconcile --json`, start-up and printing included). Each contestant in its own process (peak RSS per
 * process), on a fresh copy of the same file per repetition, in rotated order; medians and per-round ratios.
 *
 * With --sql-alone, a contestant `sql` times only the SQL a run of this shape must do, with no JavaScript per row
 * (reconcile/sql-alone.mjs): the lower bound of this design, to hold the floor's target against.
 *
 * With --baseline <dist dir> a fourth contestant, `base`, runs the same service from another build (e.g. the commit
 * before a change, compiled elsewhere), so a change is measured against its baseline in the same run. CPU time (user +
 * system, the run alone) is reported beside wall time: on a shared machine it moves less than wall time does.
 *
 *   npx tsc -p tsconfig.json && npx tsx test/bench/reconcile.ts [--sizes 100000,1000000] [--reps 3] [--baseline dir] [--sql-alone] [--json]
 */
const HERE = import.meta.dirname
const ROOT = resolve(HERE, '../..')
const argv = process.argv.slice(2)
const opt = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback)
const sizes = opt('--sizes', '100000,1000000').split(',').map(Number)
const reps = Number(opt('--reps', '3'))
const asJson = argv.includes('--json')
const baseline = argv.includes('--baseline') ? resolve(opt('--baseline', '')) : null
// --sql-alone: a contestant timing only the SQL a run of this shape must do (reconcile/sql-alone.mjs), a lower bound.
const sqlAlone: Contestant[] = argv.includes('--sql-alone') ? ['sql'] : []
const SITE = 'bench'
const AT = '2027-01-01T00:00:00.000Z'

type Contestant = 'floor' | 'sql' | 'yms' | 'base' | 'cli'
interface Result {
  ms: number
  /** CPU time of the work itself (process.cpuUsage around it); NaN for the CLI, timed from outside. */
  cpuMs: number
  maxRssMb: number
  [key: string]: unknown
}

function runChild(args: string[], env: Record<string, string>): Promise<{out: string; err: string; ms: number}> {
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {...process.env, ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.once('exit', (code) => {
      const ms = performance.now() - t0
      // reconcile exits 3 when exceptions remain open, as they do in this world
      if (code === 0 || (code === 3 && args.includes('reconcile'))) resolveRun({out, err, ms})
      else reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-3000)}`))
    })
  })
}

const lastJson = (out: string): Result => JSON.parse(out.trim().split('\n').pop()!) as Result

async function contestant(kind: Contestant, dir: string): Promise<Result> {
  const db = join(dir, 'ledger.db')
  if (kind === 'floor')
    return lastJson((await runChild([join(HERE, 'reconcile/floor.mjs')], {BENCH_DB: db, BENCH_SITE: SITE})).out)
  if (kind === 'sql')
    return lastJson(
      (await runChild([join(HERE, 'reconcile/sql-alone.mjs')], {BENCH_HOME: dir, BENCH_SITE: SITE, BENCH_AT: AT})).out,
    )
  if (kind === 'yms' || kind === 'base')
    return lastJson(
      (
        await runChild([join(HERE, 'reconcile/yms.mjs')], {
          BENCH_HOME: dir,
          BENCH_SITE: SITE,
          BENCH_AT: AT,
          ...(kind === 'base' ? {BENCH_DIST: baseline!} : {}),
        })
      ).out,
    )
  // The CLI as cron runs it; its own clock, so its run time is now (every invoice in this world is overdue either way).
  const r = await runChild([join(ROOT, 'bin/run.js'), 'reconcile', '--site', SITE, '--home', dir, '--json'], {})
  return {ms: r.ms, cpuMs: Number.NaN, maxRssMb: Number.NaN, bytes: r.out.length}
}

interface Row {
  size: number
  kind: Contestant
  runs: Result[]
}

async function benchSize(size: number, scratch: string): Promise<{rows: Row[]; world: Record<string, number>}> {
  const dir = join(scratch, String(size))
  mkdirSync(dir, {recursive: true})
  const template = join(dir, 'template.db')
  if (!asJson) process.stderr.write(`size ${size}: writing the world...\n`)
  const world = JSON.parse(
    (await runChild(['--import', 'tsx', join(HERE, 'reconcile/world.ts'), String(size), template], {})).out.trim(),
  ) as Record<string, number>
  const kinds: Contestant[] = [
    ...(baseline ? ['floor', 'yms', 'base', 'cli'] : ['floor', 'yms', 'cli']),
    ...sqlAlone,
  ] as Contestant[]
  const rows: Row[] = kinds.map((kind) => ({size, kind, runs: []}))
  for (let rep = 0; rep < reps; rep++) {
    const runDir = join(dir, `rep-${rep}`)
    mkdirSync(runDir)
    copyFileSync(template, join(runDir, 'ledger.db'))
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(rep + k) % kinds.length]!
      // Each contestant on a fresh copy: a reconcile run writes its run and exceptions into the file.
      if (kind !== 'floor' && rep + k > 0) copyFileSync(template, join(runDir, 'ledger.db'))
      const result = await contestant(kind, runDir)
      rows.find((r) => r.kind === kind)!.runs.push(result)
      if (!asJson)
        process.stderr.write(
          `  ${size} ${kind} rep ${rep + 1}: ${fmt(result.ms / 1000, 2)} s (CPU ${fmt(result.cpuMs / 1000, 2)} s), peak RSS ${result.maxRssMb} MB${kind === 'yms' || kind === 'base' ? `, ${String(result.items)} items, ${String(result.exceptions)} exceptions` : ''}\n`,
        )
    }
    rmSync(runDir, {recursive: true, force: true})
  }
  rmSync(template, {force: true})
  return {rows, world}
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'yms-bench-reconcile-'))
  const all: Row[] = []
  const worlds: Record<number, Record<string, number>> = {}
  try {
    for (const size of sizes) {
      const {rows, world} = await benchSize(size, scratch)
      all.push(...rows)
      worlds[size] = world
    }
  } finally {
    rmSync(scratch, {recursive: true, force: true})
  }
  const machine = await machineNote()
  const summary = all.map((r) => {
    const floor = all.find((x) => x.size === r.size && x.kind === 'floor')!
    const items = worlds[r.size]!.invoices! + worlds[r.size]!.transactions!
    const ms = median(r.runs.map((x) => x.ms))
    const cpuMs = median(r.runs.map((x) => x.cpuMs))
    return {
      size: r.size,
      kind: r.kind,
      reps: r.runs.length,
      items,
      medianSec: ms / 1000,
      xFloor: pairedRatio(
        r.runs.map((x) => x.ms),
        floor.runs.map((x) => x.ms),
      ),
      medianCpuSec: cpuMs / 1000,
      xFloorCpu: pairedRatio(
        r.runs.map((x) => x.cpuMs),
        floor.runs.map((x) => x.cpuMs),
      ),
      usPerItem: (ms * 1000) / items,
      peakRssMb: Math.max(...r.runs.map((x) => x.maxRssMb)),
      detail: r.runs[0],
    }
  })
  const perItem = (size: number, kind: Contestant) => summary.find((s) => s.size === size && s.kind === kind)?.usPerItem
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)]
  const scaling = Object.fromEntries(
    (['floor', 'sql', 'yms', 'base', 'cli'] as const)
      .filter((k) => summary.some((s) => s.kind === k))
      .map((k) => [k, (perItem(large, k) ?? NaN) / (perItem(small, k) ?? NaN)]),
  )
  if (asJson) {
    console.log(JSON.stringify({machine, reps, worlds, summary, scaling, runs: all}, null, 2))
    return
  }
  console.log(`\nreconcile: ${reps} repetitions (median), contestants rotated per repetition; ${machine}`)
  console.log(`worlds: ${JSON.stringify(worlds)}\n`)
  console.log(
    table(
      [
        'invoices',
        'path',
        'reps',
        'invoices + transactions',
        'median s',
        'x floor',
        'median CPU s',
        'x floor (CPU)',
        'us per item',
        'peak RSS MB',
      ],
      summary.map((s) => [
        s.size,
        s.kind,
        s.reps,
        s.items,
        fmt(s.medianSec, 2),
        fmt(s.xFloor, 2),
        fmt(s.medianCpuSec, 2),
        fmt(s.xFloorCpu, 2),
        fmt(s.usPerItem, 2),
        fmt(s.peakRssMb, 0),
      ]),
    ),
  )
  console.log(
    `\nper-item time, ${large} vs ${small}: ${Object.entries(scaling)
      .map(([k, v]) => `${k} ${fmt(v, 2)}x`)
      .join(', ')}`,
  )
  console.log(
    `\nyms detail (first run per size): ${JSON.stringify(summary.filter((s) => s.kind !== 'floor' && s.kind !== 'cli').map((s) => s.detail))}`,
  )
}

await main()
