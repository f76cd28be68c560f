import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import type {Db} from '../../store/db.js'
import {getProvider, listProviders, type Provider} from '../../store/repos/providers.js'
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

/** The providers a sync covers: the ones named (each must exist), else every enabled one. */
export function selectProviders(db: Db, ids: readonly string[] | undefined): Provider[] {
  if (ids && ids.length > 0) {
    return ids.map((id) => {
      const p = getProvider(db, id)
      if (!p) throw new UsageError(`--provider ${id}: unknown provider`, 'List them with `yms-pay providers list`.')
      return p
    })
  }
  return listProviders(db).filter((p) => p.enabled)
}

/**
 * One pass over the selected providers, a few at a time; one provider failing never stops the others. The caller
 * turns the result into an exit code (4 if any failed, 75 if every one was locked by another run).
 */
export async function runSync(db: Db, ctx: AppContext, opts: SyncOptions): Promise<SyncResult> {
  const providers = selectProviders(db, opts.providers)
  const runs: ProviderRun[] = new Array(providers.length)
  let next = 0
  const worker = async () => {
    while (next < providers.length && !opts.signals.stop.aborted) {
      const i = next++
      runs[i] = await syncProvider(db, ctx, providers[i]!, opts)
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
