/**
 * A sync run in its own process, for crash tests: `node --import tsx sync-child.ts <home> <provider> <leaseTtlMs>`.
 * The built CLI has no way to shorten the 5-minute sync lease, so a run after a SIGKILL would only report
 * skipped_locked; this child passes a short leaseTtlMs to runSync and waits out a dead owner's lease.
 * Prints `ready` once the database is open (the parent times its kill from there), then the run as one JSON line.
 */
import type {AppContext} from '../../../src/cli/context.js'
import {resolveHome} from '../../../src/cli/home.js'
import {runSync} from '../../../src/services/sync/sync.js'
import {openDatabase} from '../../../src/store/db.js'

const [home, provider, ttl] = process.argv.slice(2)
if (!home || !provider || !ttl) throw new Error('usage: sync-child.ts <home> <provider> <leaseTtlMs>')
const ctx: AppContext = {
  home: resolveHome({flag: home, env: process.env, xdgDataDir: home, xdgConfigDir: home}),
  actor: 'crash-test',
  env: process.env,
  terminal: {color: false, interactive: false, stdoutIsTty: false},
  now: () => Date.now(),
  note: () => {},
}
const db = openDatabase(ctx.home.dbFile)
process.stdout.write('ready\n')
const signals = {stop: new AbortController().signal, abort: new AbortController().signal}
let waits = 0
for (;;) {
  const result = await runSync(db, ctx, {providers: [provider], leaseTtlMs: Number(ttl), signals})
  const run = result.runs[0]!
  if (run.status === 'skipped_locked' && waits < 100) {
    waits++
    await new Promise((r) => setTimeout(r, 50))
    continue
  }
  process.stdout.write(`${JSON.stringify({...run, leaseWaits: waits})}\n`)
  db.close()
  process.exitCode = run.status === 'ok' ? 0 : 4
  break
}
