import {ExitCode} from '../../core/errors.js'
import type {ProviderRun} from './run-provider.js'

/**
 * A one-shot pass: 4 if any provider failed; 75 (try again later) if every provider was locked by another run (from
 * the start, or taken over by another host mid-run: its lease lapsed), or a stop signal cut the pass short; the
 * shared config (78) or auth (77) code when all failed alike.
 */
export function syncExitCode(runs: readonly ProviderRun[]): number {
  const lockedOut = (r: ProviderRun) =>
    r.status === 'skipped_locked' || (r.status === 'failed' && r.exitCode === ExitCode.locked)
  if (runs.length > 0 && runs.every(lockedOut)) return ExitCode.locked
  const failed = runs.filter((r) => r.status === 'failed')
  if (failed.length === 0) return runs.some((r) => r.status === 'stopped') ? ExitCode.locked : ExitCode.ok
  const codes = new Set(failed.map((r) => r.exitCode))
  if (failed.length === runs.length && codes.size === 1) {
    const code = [...codes][0]
    if (code === ExitCode.config || code === ExitCode.auth) return code
  }
  return ExitCode.partial
}

/** Watch mode ends on a signal, which is its normal way to stop: only failures make the exit non-zero. */
export function watchExitCode(runs: readonly ProviderRun[]): number {
  return runs.some((r) => r.status === 'failed') ? ExitCode.partial : ExitCode.ok
}
