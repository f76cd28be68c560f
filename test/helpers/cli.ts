import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {storeEnv} from './pg-mode.js'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  json<T = Record<string, unknown>>(): T
}

export function tempHome(prefix = 'yms-home-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * Runs the built binary as cron would: no TTY, a clean environment (plus what the test adds), optional stdin.
 * Needs `npm run build` (the `prepare` script does it on install).
 */
export async function runCli(
  args: string[],
  opts: {home?: string; env?: Record<string, string>; input?: string; timeoutMs?: number} = {},
): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    CI: 'true',
    NO_COLOR: '1',
    ...(await storeEnv(opts.home)),
    ...opts.env,
  }
  if (opts.home) env.YMS_PAY_HOME = opts.home
  if (process.env.DBUS_SESSION_BUS_ADDRESS && !('DBUS_SESSION_BUS_ADDRESS' in (opts.env ?? {})))
    env.DBUS_SESSION_BUS_ADDRESS = process.env.DBUS_SESSION_BUS_ADDRESS
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T})
    })
    child.stdin.end(opts.input ?? '')
  })
}
