import type {ApplyCounts} from '../services/sync/apply.js'
import type {ProviderRun} from '../services/sync/run-provider.js'
import type {Renderer} from './render.js'

interface Row {
  provider: string
  pages: number
  fetched: number
  inserted: number
  updated: number
  quarantined: number
  posted: number
  state: string
  last: string
}

/** A table that redraws in place on a TTY (cursor up + clear), one row per provider. */
export function createLiveView(ui: Renderer, stream: NodeJS.WriteStream) {
  const rows = new Map<string, Row>()
  let drawnLines = 0
  const draw = () => {
    const text = ui.table(
      ['provider', 'state', 'pages', 'fetched', 'inserted', 'updated', 'quarantined', 'posted', 'last'],
      [...rows.values()].map((r) => [
        r.provider,
        r.state,
        r.pages,
        r.fetched,
        r.inserted,
        r.updated,
        r.quarantined,
        r.posted,
        r.last,
      ]),
    )
    if (drawnLines > 0) stream.write(`\u001B[${drawnLines}A\u001B[0J`)
    stream.write(`${text}\n`)
    drawnLines = text.split('\n').length
  }
  const row = (provider: string): Row => {
    let r = rows.get(provider)
    if (!r) {
      r = {
        provider,
        pages: 0,
        fetched: 0,
        inserted: 0,
        updated: 0,
        quarantined: 0,
        posted: 0,
        state: 'syncing',
        last: '',
      }
      rows.set(provider, r)
    }
    return r
  }
  return {
    page: (e: {provider: string; counts: ApplyCounts; hasMore: boolean}) => {
      const r = row(e.provider)
      r.pages++
      r.fetched += e.counts.fetched
      r.inserted += e.counts.inserted
      r.updated += e.counts.updated
      r.quarantined += e.counts.quarantined
      r.posted += e.counts.posted
      r.state = e.hasMore ? 'syncing' : 'caught up'
      r.last = new Date().toISOString().slice(11, 19)
      draw()
    },
    run: (run: ProviderRun) => {
      const r = row(run.provider)
      r.state =
        run.status === 'ok'
          ? 'idle'
          : run.status === 'failed'
            ? ui.chalk.red(`failed: ${run.error ?? ''}`.slice(0, 60))
            : run.status === 'stopped'
              ? 'stopped'
              : 'locked elsewhere'
      r.last = new Date().toISOString().slice(11, 19)
      draw()
    },
    done: () => {
      if (drawnLines > 0 && stream === process.stderr) {
        stream.write(`\u001B[${drawnLines}A\u001B[0J`)
        drawnLines = 0
      }
    },
  }
}
