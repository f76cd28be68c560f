import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {Console} from 'node:console'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'

import {runCommand} from '@oclif/test'

import {envVarName} from '../../src/secrets/names.js'
import {storeEnv} from '../helpers/pg-mode.js'

/**
 * In-process command runs through @oclif/test's runCommand: oclif loads the BUILT commands (dist/) through
 * oclif.manifest.json at the repository root, so `npm run build && npx oclif manifest` must have run.
 */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface RunResult {
  /** What the process would exit with: the thrown error's oclif exit, else process.exitCode, else 0. */
  exitCode: number
  stdout: string
  stderr: string
  /** stdout parsed as one JSON document (the --json output). */
  json<T = Record<string, unknown>>(): T
}

export interface RunOptions {
  home: string
  /** Extra environment for this run only (e.g. YMS_PAY_SECRET_* variables). */
  env?: Record<string, string>
  /** What the command reads from stdin (only for --secrets-from-stdin). */
  stdin?: string
}

/**
 * Variables that would make a run depend on the machine: the home, the actor, colour, the terminal width, a content-type override,
 * and the D-Bus session, without which the OS keychain is unreachable (so no test can read or write a real one).
 */
const SCRUBBED = [
  'YMS_PAY_HOME',
  'YMS_PAY_DATABASE_URL',
  'YMS_PAY_ACTOR',
  'YMS_PAY_CONTENT_TYPE',
  'DBUS_SESSION_BUS_ADDRESS',
  'FORCE_COLOR',
  'COLUMNS',
]

export async function run(args: string[], opts: RunOptions): Promise<RunResult> {
  const restoreEnv = withEnv({
    CI: '1',
    NO_COLOR: '1',
    YMS_PAY_HOME: opts.home,
    ...(await storeEnv(opts.home)),
    ...opts.env,
  })
  const restoreStdin = opts.stdin === undefined ? () => undefined : withStdin(opts.stdin)
  const restoreConsole = withPlainConsole()
  const exitCodeBefore = process.exitCode
  process.exitCode = undefined
  try {
    const {error, stdout, stderr} = await runCommand(args.map(quote), {root: ROOT})
    const exitCode = error ? (error.oclif?.exit ?? 1) : Number(process.exitCode ?? 0)
    return {exitCode, stdout, stderr, json: <T>() => JSON.parse(stdout) as T}
  } finally {
    // A command sets process.exitCode for the process it expects to end; here the test worker lives on.
    process.exitCode = exitCodeBefore
    restoreConsole()
    restoreStdin()
    restoreEnv()
  }
}

/** A long argument list written as one line: `words('providers add acme --kind stripe')` (no value may hold a space). */
export function words(line: string): string[] {
  return line.split(/\s+/).filter((w) => w !== '')
}

/** A fresh home per test file or test; `cleanup` removes it. */
export function tempHome(prefix = 'yms-cmd-'): {home: string; cleanup(): void} {
  const home = mkdtempSync(join(tmpdir(), prefix))
  return {home, cleanup: () => rmSync(home, {recursive: true, force: true})}
}

/** Writes a small input file (CSV, JSONL, XML) into `dir` and returns its path. */
export function writeInput(dir: string, name: string, text: string): string {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

/** A provider's secrets as the YMS_PAY_SECRET_<PROVIDER>_<FIELD> variables cron would set. */
export function secretEnv(providerId: string, secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([field, value]) => [envVarName(providerId, field), value]))
}

/** Every Stripe secret field present in the environment, so a presence check never falls back to a keychain. */
export function stripeEnv(providerId: string, apiKey = 'sk_test_placeholder'): Record<string, string> {
  return secretEnv(providerId, {api_key: apiKey, webhook_secret: 'whsec_placeholder'})
}

/**
 * Runs a command that serves until a signal (sandbox serve, sync --watch) and, once `ready` says so, calls the
 * listeners it added for `signal`, without raising a real signal (which would also reach the test runner's own).
 * A command that ends by itself first simply returns its result.
 */
export async function runUntilSignal(
  signal: 'SIGINT' | 'SIGTERM',
  args: string[],
  opts: RunOptions,
  ready: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<RunResult> {
  const before = new Set(process.listeners(signal))
  let settled = false
  const running = run(args, opts).finally(() => (settled = true))
  const added = () => process.listeners(signal).filter((l) => !before.has(l))
  const deadline = Date.now() + timeoutMs
  while (!settled && (added().length === 0 || !(await ready()))) {
    if (Date.now() > deadline)
      throw new Error(`${args.join(' ')}: no ${signal} listener, or never ready, within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
  for (const listener of added()) listener(signal)
  return running
}

// runCommand joins its arguments with spaces and splits them again, honouring double quotes.
function quote(arg: string): string {
  return /\s/.test(arg) ? `"${arg}"` : arg
}

function withEnv(vars: Record<string, string>): () => void {
  const saved = new Map<string, string | undefined>()
  for (const name of [...SCRUBBED, ...Object.keys(vars)]) if (!saved.has(name)) saved.set(name, process.env[name])
  for (const name of SCRUBBED) delete process.env[name]
  Object.assign(process.env, vars)
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/**
 * oclif prints --json results through console.log. Vitest replaces the global console with one that reports to
 * the runner instead of writing to process.stdout, where runCommand captures output; a plain Console over the
 * process streams for the duration of the run is what vitest's `disableConsoleIntercept` would give every test.
 */
function withPlainConsole(): () => void {
  const original = globalThis.console
  globalThis.console = new Console({stdout: process.stdout, stderr: process.stderr})
  return () => {
    globalThis.console = original
  }
}

function withStdin(text: string): () => void {
  const descriptor = Object.getOwnPropertyDescriptor(process, 'stdin')
  Object.defineProperty(process, 'stdin', {value: Readable.from([Buffer.from(text)]), configurable: true})
  return () => {
    if (descriptor) Object.defineProperty(process, 'stdin', descriptor)
  }
}
