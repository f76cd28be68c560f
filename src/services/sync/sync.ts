import type {AppContext} from '../../app/context.js'
import {describeHome} from '../../app/home.js'
import {ConfigError, UsageError} from '../../core/errors.js'
import {dual} from '../../store/ops/dual.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {engine, type Ops} from '../../store/ops/op.js'
import {getProvider, listProviders, type Provider} from '../../store/repos/providers.js'
import {checkBeforeWriting} from '../integrity.js'
import {addCounts, zeroCounts, type ApplyCounts} from './apply.js'
import {syncProvider, type ProviderRun, type ProviderSyncOptions} from './run-provider.js'

export interface SyncResult {
  runs: ProviderRun[]
  totals: ApplyCounts & {pages: number; providers: number; failed: number; skippedLocked: number; stopped: number}
}

export interface SyncOptions extends Omit<ProviderSyncOptions, 'owner'> {
  providers?: string[]
  concurrency?: number
}

/**
 * The providers a sync covers: the ones named (each must exist and be enabled), else every enabled one. A disabled
 * provider is never called, and a sync with nothing to call is a configuration error (exit 78), so a cron job
 * pointed at the wrong home, or at one whose providers were all disabled, does not pass for a quiet success.
 */
export const selectProviders = dual(function* selectProviders(
  ctx: Pick<AppContext, 'home'>,
  ids: readonly string[] | undefined,
): Ops<Provider[]> {
  if (ids && ids.length > 0) {
    const named: Provider[] = []
    for (const id of ids) {
      const p = yield* getProvider.ops(id)
      if (!p) throw new UsageError(`--provider ${id}: unknown provider`, 'List them with `yms-pay providers list`.')
      named.push(p)
    }
    const disabled = named.filter((p) => !p.enabled).map((p) => p.id)
    if (disabled.length > 0) {
      throw new ConfigError(
        `--provider ${disabled.join(', ')}: disabled, and a disabled provider is never called`,
        `Enable it with \`yms-pay providers enable ${disabled[0]}\`, or leave it out of the command.`,
        'provider_disabled',
      )
    }
    return named
  }
  const all = yield* listProviders.ops()
  const enabled = all.filter((p) => p.enabled)
  if (enabled.length === 0) {
    const disabled = all.length - enabled.length
    // A PostgreSQL ledger is named by a URL, not by the home.
    const postgres = (yield* engine()) === 'postgres'
    const where = postgres ? 'the PostgreSQL ledger' : describeHome(ctx.home)
    const check = postgres
      ? 'check that --database-url (or YMS_PAY_DATABASE_URL) names the ledger you meant.'
      : 'check that --home (or YMS_PAY_HOME) names the home you meant.'
    throw new ConfigError(
      `no enabled providers in ${where}${disabled > 0 ? ` (${disabled} disabled)` : ''}: nothing to sync`,
      disabled > 0
        ? `Enable one with \`yms-pay providers enable <id>\`, or ${check}`
        : `Add one with \`yms-pay providers add\`, or ${check}`,
      'no_enabled_providers',
    )
  }
  return enabled
})

/** Whether a provider may still be called now (watch mode asks before each run: it may have been disabled since). */
export const stillEnabled = dual(function* stillEnabled(id: string): Ops<boolean> {
  return (yield* getProvider.ops(id))?.enabled === true
})

/**
 * Before a sync writes: SQLite's quick_check of the file, now and then (integrity.ts). Not applicable on PostgreSQL:
 * there is no file here to check, the server keeps its own storage (and `audit verify` checks the audit chain).
 */
export function checkLedgerBeforeWriting(ledger: LedgerHandle): void {
  if (ledger.db) checkBeforeWriting(ledger.db)
}

/**
 * One pass over the selected providers, a few at a time; one provider failing never stops the others. The caller
 * turns the result into an exit code (4 if any failed, 75 if every one was locked by another run).
 */
export async function runSync(ledger: LedgerHandle, ctx: AppContext, opts: SyncOptions): Promise<SyncResult> {
  const providers = await ledger.read(selectProviders.ops(ctx, opts.providers))
  checkLedgerBeforeWriting(ledger)
  const runs: ProviderRun[] = new Array(providers.length)
  let next = 0
  const worker = async () => {
    while (next < providers.length && !opts.signals.stop.aborted) {
      const i = next++
      runs[i] = await syncProvider(ledger, ctx, providers[i]!, opts)
    }
  }
  await Promise.all(Array.from({length: Math.min(opts.concurrency ?? 4, Math.max(1, providers.length))}, worker))
  // A stop before a provider's turn leaves it out of the pass: say so rather than report it silently missing.
  providers.forEach((p, i) => {
    runs[i] ??= {
      provider: p.id,
      status: 'stopped',
      pages: 0,
      fetched: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      quarantined: 0,
      skipped: 0,
      posted: 0,
      durationMs: 0,
      error: 'not started: stopped by a signal',
    }
  })
  const done = runs
  return {runs: done, totals: summarize(done, providers.length)}
}

export function summarize(runs: readonly ProviderRun[], providers: number): SyncResult['totals'] {
  let counts = zeroCounts()
  let pages = 0
  for (const r of runs) {
    counts = addCounts(counts, r)
    pages += r.pages
  }
  return {
    ...counts,
    pages,
    providers,
    failed: runs.filter((r) => r.status === 'failed').length,
    skippedLocked: runs.filter((r) => r.status === 'skipped_locked').length,
    stopped: runs.filter((r) => r.status === 'stopped').length,
  }
}
