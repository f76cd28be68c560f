import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import {envVarName} from '../../src/secrets/names.js'
import {fmt, machineNote, median, pairedRatio, quantile, table} from './stats.js'

/**
 * Start-up benchmark of the built CLI: `--version` and `providers list` against `node -e 0`, interleaved round by
 * round so the shared machine's noise hits every command alike. Reports medians and ratios to the baseline.
 *
 *   npx tsc -p tsconfig.json && npx oclif manifest && npx tsx test/bench/startup.ts [--runs 15] [--json] [--alt DIR]
 *
 * --alt DIR also times DIR/bin/run.js (a scratch copy holding a proposed change) in the same rounds, so a fix is
 * measured against the current code under the same noise.
 *
 * Exit code 0 when every target holds, 1 when one is missed (the table says which).
 */
const ROOT = resolve(import.meta.dirname, '../..')
const RUN = join(ROOT, 'bin/run.js')

const argv = process.argv.slice(2)
const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 15) || 15
const asJson = argv.includes('--json')
const alt = argv.includes('--alt') ? resolve(argv[argv.indexOf('--alt') + 1]!) : null

interface Case {
  name: string
  args: string[]
  env?: Record<string, string>
  /** A fresh home per run: the first open creates and migrates the database. */
  freshHome?: boolean
  target: number | null
  expect: RegExp
  /** The CLI to run (default: this checkout's bin/run.js). */
  bin?: string
}

function assertBuilt(): void {
  const manifest = join(ROOT, 'oclif.manifest.json')
  const cmd = join(ROOT, 'dist/commands/providers/list.js')
  if (!existsSync(manifest) || !existsSync(cmd)) {
    console.error('build first: npx tsc -p tsconfig.json && npx oclif manifest')
    process.exit(2)
  }
  // A stale manifest makes oclif fall back to scanning dist/commands, which is not what users get.
  if (statSync(manifest).mtimeMs < statSync(cmd).mtimeMs)
    console.error('warning: oclif.manifest.json is older than dist/: run `npx oclif manifest`')
}

/** Environment without anything that changes what oclif or the CLI does (debug output, colour, a user's home). */
function baseEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'DEBUG' || k.startsWith('YMS_PAY_') || k.startsWith('NODE_OPTIONS')) continue
    env[k] = v
  }
  return {...env, YMS_PAY_HOME: home, NO_COLOR: '1'}
}

function cli(
  args: string[],
  env: Record<string, string>,
  input?: string,
): {status: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [RUN, ...args], {cwd: ROOT, env, input, encoding: 'utf8'})
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}

const PROVIDERS = [
  {id: 'acme-stripe', kind: 'stripe', settings: [] as string[]},
  {id: 'eu-stripe', kind: 'stripe', settings: []},
  {id: 'jp-stripe', kind: 'stripe', settings: []},
  {id: 'us-square', kind: 'square', settings: ['location_id=L1']},
  {id: 'eu-adyen', kind: 'adyen', settings: ['merchant_account=AcmeEU']},
]
const SECRET_FIELDS: Record<string, string[]> = {
  stripe: ['api_key', 'webhook_secret'],
  square: ['access_token', 'signature_key'],
  adyen: ['api_key', 'hmac_key'],
}

/** A home holding five providers (three kinds), added through the CLI itself; secrets only in the environment. */
function populatedHome(): {home: string; secretEnv: Record<string, string>} {
  const home = mkdtempSync(join(tmpdir(), 'yms-bench-home5-'))
  const secretEnv: Record<string, string> = {}
  for (const p of PROVIDERS) {
    for (const field of SECRET_FIELDS[p.kind]!) secretEnv[envVarName(p.id, field)] = `bench-${p.id}-${field}`
    const args = [
      'providers',
      'add',
      p.id,
      '--kind',
      p.kind,
      '--base-url',
      'http://127.0.0.1:9',
      '--segment',
      '*',
      ...p.settings.flatMap((s) => ['--setting', s]),
    ]
    const r = cli(args, {...baseEnv(home), CI: '1'})
    if (r.status !== 0) throw new Error(`providers add ${p.id} failed (${r.status}): ${r.stderr}`)
  }
  return {home, secretEnv}
}

function timeOnce(c: Case, env: Record<string, string>): number {
  const args = c.name === 'node -e 0' ? ['-e', '0'] : [c.bin ?? RUN, ...c.args]
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {cwd: ROOT, env, encoding: 'utf8'})
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0 || !c.expect.test(r.stdout))
    throw new Error(
      `${c.name}: exit ${r.status}, stdout ${JSON.stringify(r.stdout.slice(0, 300))}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`,
    )
  return ms
}

async function main(): Promise<void> {
  assertBuilt()
  const scratch = mkdtempSync(join(tmpdir(), 'yms-bench-startup-'))
  const emptyHome = join(scratch, 'empty')
  // A home with a ledger and no providers (an exchange rate made it): what "empty" means to providers list.
  const made = cli(['fx', 'set', 'EUR', 'USD', '1.1'], {...baseEnv(emptyHome), CI: '1'})
  if (made.status !== 0) throw new Error(`fx set (empty home) failed (${made.status}): ${made.stderr}`)
  const {home: home5, secretEnv} = populatedHome()
  const cases: Case[] = [
    {name: 'node -e 0', args: [], target: null, expect: /^$/},
    {name: '--version', args: ['--version'], target: 2.5, expect: /^yms-pay\/\d+\.\d+\.\d+\S* \S+-\S+ node-v\d+/},
    {
      // Only set-up commands create a home (src/app/home-policy.ts); providers list refuses a directory without one.
      name: 'sites add (fresh home: creates + migrates)',
      args: ['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'],
      freshHome: true,
      target: 3,
      expect: /saved/,
    },
    {
      name: 'providers list (empty home)',
      args: ['providers', 'list'],
      env: {YMS_PAY_HOME: emptyHome},
      target: 3,
      expect: /no providers yet/,
    },
    {
      name: 'providers list (5 providers, secrets in env)',
      args: ['providers', 'list'],
      env: {YMS_PAY_HOME: home5, ...secretEnv},
      target: 3,
      expect: /eu-adyen/,
    },
    {
      name: 'providers list (5 providers, keychain probed)',
      args: ['providers', 'list'],
      env: {YMS_PAY_HOME: home5},
      target: 3,
      expect: /eu-adyen/,
    },
  ]
  if (alt) {
    const bin = join(alt, 'bin/run.js')
    if (!existsSync(bin)) throw new Error(`--alt ${alt}: no bin/run.js there`)
    cases.push(...cases.filter((c) => c.target !== null).map((c) => ({...c, name: `${c.name} [alt]`, bin})))
  }
  // Warm the file cache, so round 1 is not an outlier.
  for (const c of cases) timeOnce(c, {...baseEnv(c.freshHome ? mkdtempSync(join(scratch, 'h-')) : emptyHome), ...c.env})

  const samples = new Map(cases.map((c) => [c.name, [] as number[]]))
  for (let round = 0; round < runs; round++) {
    // Rotate the order each round so no command always runs first (or right after the baseline).
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round + k) % cases.length]!
      const env = {...baseEnv(c.freshHome ? mkdtempSync(join(scratch, 'h-')) : emptyHome), ...c.env}
      samples.get(c.name)!.push(timeOnce(c, env))
    }
  }
  const base = samples.get('node -e 0')!
  const baseMedian = median(base)
  const rows = cases.map((c) => {
    const s = samples.get(c.name)!
    const ratio = median(s) / baseMedian
    const paired = pairedRatio(s, base)
    return {
      name: c.name,
      medianMs: median(s),
      p10Ms: quantile(s, 0.1),
      p90Ms: quantile(s, 0.9),
      ratio,
      pairedRatio: paired,
      target: c.target,
      ok: c.target === null ? null : ratio <= c.target,
    }
  })
  const machine = await machineNote()
  rmSync(scratch, {recursive: true, force: true})
  rmSync(home5, {recursive: true, force: true})
  if (asJson) {
    console.log(JSON.stringify({runs, machine, rows}, null, 2))
  } else {
    console.log(`startup: ${runs} interleaved runs per command; ${machine}\n`)
    console.log(
      table(
        ['command', 'median ms', 'p10–p90 ms', 'x node -e 0 (medians)', 'x (median of paired)', 'target', ''],
        rows.map((r) => [
          r.name,
          fmt(r.medianMs),
          `${fmt(r.p10Ms)}–${fmt(r.p90Ms)}`,
          fmt(r.ratio, 2),
          fmt(r.pairedRatio, 2),
          r.target === null ? 'baseline' : `≤ ${r.target}x`,
          r.ok === null ? '' : r.ok ? 'ok' : 'MISSED',
        ]),
      ),
    )
  }
  process.exitCode = rows.some((r) => r.ok === false) ? 1 : 0
}

await main()
