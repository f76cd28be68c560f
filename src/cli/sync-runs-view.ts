import type {ProviderRun} from '../services/sync/run-provider.js'
import type {Column, Renderer} from './render.js'

// On a narrow terminal the counts a person checks least give way first; `sync --json` has them all.
const COLUMNS: Column[] = [
  {name: 'provider'},
  {name: 'status'},
  {name: 'pages', drop: 2},
  {name: 'fetched', drop: 4},
  {name: 'inserted'},
  {name: 'updated', drop: 5},
  {name: 'unchanged', drop: 3},
  {name: 'quarantined'},
  {name: 'skipped', drop: 6},
  {name: 'posted'},
  {name: 'ms', drop: 1},
]

/** The results of a sync pass, one row per provider: printed by `sync` and by `demo`. */
export function renderSyncRuns(runs: readonly ProviderRun[], ui: Renderer): string {
  const status = (r: ProviderRun) =>
    r.status === 'ok'
      ? ui.chalk.green(r.status)
      : r.status === 'failed'
        ? ui.chalk.red(r.status)
        : ui.chalk.yellow(r.status)
  return ui.table(
    COLUMNS,
    runs.map((r) => [
      r.provider,
      status(r),
      r.pages,
      r.fetched,
      r.inserted,
      r.updated,
      r.unchanged,
      r.quarantined,
      r.skipped,
      r.posted,
      r.durationMs,
    ]),
  )
}
