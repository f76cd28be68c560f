import {spawn} from 'node:child_process'
import {chmodSync, chownSync, mkdtempSync, readdirSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BIN, type CliResult} from './cli.js'

/**
 * Root ignores file permissions, so a read-only home is read-only only to someone else: as root, these run the CLI
 * as `nobody` (65534) and hand the home over to that user first; as anyone else, as this user.
 */
export const AS_ROOT = process.getuid?.() === 0
const NOBODY = 65534

/** A directory everyone may enter (mkdtemp makes 0700), for homes an unprivileged run must reach. */
export function reachableDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(dir, 0o755)
  return dir
}

/** Gives the tree to the user runCliUnprivileged runs as (a no-op unless root). */
export function handOver(path: string): void {
  if (!AS_ROOT) return
  chownSync(path, NOBODY, NOBODY)
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) handOver(join(path, name))
}

/** Removes write permission from the directory and everything in it, as an admin making a home read-only would. */
export function makeReadOnly(dir: string): void {
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o400)
  chmodSync(dir, 0o500)
}

/** As test/helpers/cli.ts runCli, but as an unprivileged user. */
export function runCliUnprivileged(
  args: string[],
  opts: {home: string; env?: Record<string, string>},
): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: tmpdir(),
    CI: 'true',
    NO_COLOR: '1',
    YMS_PAY_HOME: opts.home,
    ...opts.env,
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(AS_ROOT ? {uid: NOBODY, gid: NOBODY} : {}),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T})
    })
    child.stdin.end('')
  })
}
