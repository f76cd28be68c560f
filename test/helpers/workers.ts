import {spawn, type ChildProcess} from 'node:child_process'
import {createServer} from 'node:net'
import {createInterface} from 'node:readline'

import {BIN} from './cli.js'

/**
 * Long-running built `yms-pay` processes for the end-to-end tests that kill and restart them (webhooks serve, sync
 * --watch): spawned as cron or systemd would (no TTY, a clean environment plus the test's), their exits and output
 * kept for the diagnostics a failure prints.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as {port: number}
      probe.close(() => resolve(port))
    })
  })
}

/** The environment of a built process: PATH and HOME, no keychain session (secrets come from the env), and `env`. */
export function builtEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    CI: 'true',
    NO_COLOR: '1',
    DBUS_SESSION_BUS_ADDRESS: '',
    ...env,
  }
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  /** The last of its stderr (a kill leaves little). */
  stderr: string
}

export interface Worker {
  readonly name: string
  readonly args: readonly string[]
  /** The port it listens on, for a server. */
  readonly port: number | null
  /** The running process; null once it has exited. */
  child: ChildProcess | null
  /** Every exit so far, oldest first. */
  readonly exits: Exit[]
  /** The stdout lines of its latest incarnation (running or exited). */
  lines: string[]
}

export function worker(name: string, args: readonly string[], port: number | null = null): Worker {
  return {name, args, port, child: null, exits: [], lines: []}
}

/**
 * Spawns the worker's command; resolves once `ready` accepts a stdout line (a server's "listening"), or at once
 * without `ready`. Rejects when the process exits before that.
 */
export function startWorker(w: Worker, env: Record<string, string>, ready?: (line: string) => boolean): Promise<void> {
  if (w.child) throw new Error(`${w.name} is running already`)
  const child = spawn(process.execPath, [BIN, ...w.args], {env: builtEnv(env), stdio: ['ignore', 'pipe', 'pipe']})
  w.child = child
  const lines: string[] = []
  w.lines = lines
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)))
  let resolveReady: () => void = () => undefined
  let rejectReady: (e: Error) => void = () => undefined
  const started = new Promise<void>((resolve, reject) => {
    resolveReady = resolve
    rejectReady = reject
  })
  createInterface({input: child.stdout!}).on('line', (line) => {
    lines.push(line)
    if (ready?.(line)) resolveReady()
  })
  child.on('close', (code, signal) => {
    w.exits.push({code, signal, stderr})
    if (w.child === child) w.child = null
    rejectReady(new Error(`${w.name} exited (${code ?? signal}) before it was ready: ${stderr}`))
  })
  if (!ready) resolveReady()
  return started
}

/** Signals the worker and waits for it to exit (nothing when it is not running). */
export async function stopWorker(w: Worker, signal: NodeJS.Signals): Promise<void> {
  const child = w.child
  if (!child) return
  const closed = new Promise((resolve) => child.once('close', resolve))
  child.kill(signal)
  await closed
}

/** A `--json` server's first line says it listens. */
export const listening = (line: string): boolean => {
  try {
    return (JSON.parse(line) as {event?: string}).event === 'listening'
  } catch {
    return false
  }
}

/** Polls `ready` every 20 ms; throws, naming `what`, when it is still false after `ms`. */
export async function waitUntil(ready: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`${what}: not after ${ms / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
