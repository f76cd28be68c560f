import type {ProviderRun} from '../services/sync/run-provider.js'
import type {Renderer} from './render.js'

/** The results of a sync pass, one row per provider: printed by `sync` and by `demo`. */
export function renderSyncRuns(runs: readonly ProviderRun[], ui: Renderer): string {
  const status = (r: ProviderRun) =>
    r.status === 'ok'
      ? ui.chalk.green(r.status)
      : r.status === 'failed'
        ? ui.chalk.red(r.status)
        : ui.chalk.yellow(r.status)
  return ui.table(
    ['provider', 'status', 'pages', 'fetched', 'inserted', 'updated', 'unchanged', 'quarantined', 'posted', 'ms'],
    runs.map((r) => [
      r.provider,
      status(r),
      r.pages,
      r.fetched,
      r.inserted,
      r.updated,
      r.unchanged,
      r.quarantined,
      r.posted,
      r.durationMs,
    ]),
  )
}
