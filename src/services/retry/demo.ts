import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {AppContext} from '../../app/context.js'
import type {Db} from '../../store/db.js'
import {sqliteHandle} from '../../store/ops/ledger-handle.js'
import {all, values} from '../../store/ops/op.js'
import {setProviderEnabled, updateProvider} from '../providers.js'
import {importPaymentMethods} from './methods.js'
import {retryReport, type RetryReport} from './report.js'
import {runRetries, type RetryRunResult} from './run.js'

export interface DemoRetries {
  /** The provider whose failed payments went to its fallback while it was down, and that fallback. */
  fallback: {provider: string; to: string} | null
  /** The provider down for the first pass, without a fallback: its payments wait for their second retry. */
  waited: string | null
  passes: Array<Omit<RetryRunResult, 'turns'>>
  report: RetryReport
}

interface DemoWorld {
  /** Each customer's stored payment method per provider id. */
  methods: Array<{customer: string; provider: string; method: string}>
  /** Moves the demo's clock on (the sandbox, the ledger and the engine share it). */
  advance(ms: number): void
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * The demo's retries: the failed payments its sync queued (the last days' soft declines) are retried on the
 * default schedule, on a clock the demo moves. For the first retry one provider is down with a fallback configured
 * (its payments go there) and another is down without one (its payments wait); both are back for the second retry
 * a day later, which recovers the waiting ones (those still pending at the processor a couple of hours later).
 * The demo builds a SQLite home of its own (services/demo.ts), so it takes that Db; its retry services run on the
 * Db's handle as every other ledger's do.
 */
export async function demoRetries(
  db: Db,
  ctx: AppContext,
  world: DemoWorld,
  step: (m: string) => void,
): Promise<DemoRetries> {
  const file = join(ctx.home.dataDir, 'world', 'payment-methods.csv')
  writeFileSync(
    file,
    `customer,provider,payment_method\n${world.methods.map((m) => `${m.customer},${m.provider},${m.method}`).join('\n')}\n`,
  )
  const ledger = sqliteHandle(db)
  await importPaymentMethods(ledger, ctx, file)
  const queued = await ledger.read(
    all<{provider: string; n: number}>(
      `SELECT provider, COUNT(*) AS n FROM retries WHERE next_at IS NOT NULL GROUP BY provider ORDER BY n, provider`,
    ),
  )
  const fellBack = queued[0]?.provider ?? null
  const waited = queued[1]?.provider ?? null
  // The fallback: another provider that may write every segment, so every customer of the one down qualifies.
  const open = await ledger.read(
    values<string>(
      `SELECT provider FROM grants WHERE segment = '*' AND site = '*' AND access = 'write' ORDER BY provider`,
    ),
  )
  const to = open.find((id) => id !== fellBack && id !== waited) ?? null
  step(
    `retries: ${queued.reduce((n, q) => n + q.n, 0)} failed payments queued by the sync (${queued.map((q) => `${q.provider} ${q.n}`).join(', ') || 'none'})`,
  )
  if (fellBack && to) {
    await updateProvider(ledger, ctx, fellBack, {fallback: to})
    await setProviderEnabled(ledger, ctx, fellBack, false)
    step(`${fellBack} is down, with fallback ${to}`)
  }
  if (waited) {
    await setProviderEnabled(ledger, ctx, waited, false)
    step(`${waited} is down, with no fallback: its payments wait for their next retry`)
  }
  const passes: DemoRetries['passes'] = []
  const pass = async (label: string) => {
    const {turns: _turns, ...summary} = await runRetries(ledger, ctx)
    passes.push(summary)
    step(`${label}: ${summary.sent} sent, ${summary.recovered} recovered, ${summary.unresolved} awaiting an outcome`)
  }
  await pass('first retry')
  for (const id of [fellBack, waited]) if (id) await setProviderEnabled(ledger, ctx, id, true)
  world.advance(DAY + 60_000)
  await pass('a day later, second retry')
  // A sale submitted for settlement is pending until the processor settles it (the sandbox: within the hour).
  world.advance(2 * HOUR)
  await pass('two hours later, the pending ones asked about')
  return {
    fallback: fellBack && to ? {provider: fellBack, to} : null,
    waited,
    passes,
    report: await ledger.read(retryReport.ops(ctx, {since: '30d'})),
  }
}
