import {execFileSync, spawn} from 'node:child_process'
import {rmSync} from 'node:fs'
import {createInterface} from 'node:readline'

import {afterAll, describe, expect, it} from 'vitest'

import {BIN, runCli, tempHome} from '../helpers/cli.js'
import {builtEnv} from '../helpers/workers.js'

const TRIES = 10

/** Linux's taskset, to put this process and the server on one CPU; absent elsewhere (the test then races less). */
function taskset(): string | null {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], {stdio: 'ignore'})
    return 'taskset'
  } catch {
    return null
  }
}

/**
 * A supervisor may stop `webhooks serve` the moment it says it listens (a rolling restart that waits for readiness,
 * then moves on). The stop must be the graceful one the command promises (requests in flight finish, the totals are
 * printed, exit 0), never the default action of an unhandled SIGTERM. On one CPU the reader of the "listening" line,
 * woken by the write, runs before the server's next statement: the signal lands right after the line, as it does on
 * a loaded host (seen in test/e2e/hosts-postgres.test.ts).
 */
describe('webhooks serve stopped as soon as it says it listens', () => {
  const home = tempHome('yms-serve-stop-')
  const pin = taskset()
  const mask = pin
    ? execFileSync(pin, ['-p', String(process.pid)], {encoding: 'utf8'})
        .trim()
        .split(' ')
        .at(-1)!
    : ''
  afterAll(() => {
    if (pin) execFileSync(pin, ['-p', mask, String(process.pid)], {stdio: 'ignore'})
    rmSync(home, {recursive: true, force: true})
  })

  it('exits 0 with its totals every time, not killed by the signal', async () => {
    const env = {YMS_PAY_HOME: home, YMS_PAY_SECRET_ALERT_OPS_SECRET: `whsec_${Buffer.alloc(32, 3).toString('base64')}`}
    // Any command that makes a ledger makes the home; an alert target needs no world.
    expect((await runCli(['alerts', 'add', 'ops', '--url', 'http://127.0.0.1:9/hook'], {home, env})).code).toBe(0)
    if (pin) execFileSync(pin, ['-p', '-c', '0', String(process.pid)], {stdio: 'ignore'})
    const outcomes: Array<{code: number | null; signal: NodeJS.Signals | null; events: string[]}> = []
    for (let i = 0; i < TRIES; i++) {
      const argv = [process.execPath, BIN, 'webhooks', 'serve', '--port', '0', '--json']
      const child = pin
        ? spawn(pin, ['-c', '0', ...argv], {env: builtEnv(env), stdio: ['ignore', 'pipe', 'ignore']})
        : spawn(argv[0]!, argv.slice(1), {env: builtEnv(env), stdio: ['ignore', 'pipe', 'ignore']})
      const events: string[] = []
      createInterface({input: child.stdout}).on('line', (line) => {
        const event = (JSON.parse(line) as {event: string}).event
        events.push(event)
        if (event === 'listening') child.kill('SIGTERM')
      })
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('close', (c, s) => resolve([c, s])),
      )
      outcomes.push({code, signal, events})
    }
    expect(outcomes).toEqual(Array(TRIES).fill({code: 0, signal: null, events: ['listening', 'stopped']}))
  }, 120_000)
})
