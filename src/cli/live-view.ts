import type {ApplyCounts} from '../services/sync/apply.js'
import type {ProviderRun} from '../services/sync/run-provider.js'
import {type Column, type Renderer, terminalColumns} from './render.js'
import {screenRows} from './text-width.js'

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

const COLUMNS: Column[] = [
  {name: 'provider'},
  {name: 'state', min: 12},
  {name: 'pages', drop: 1},
  {name: 'fetched', drop: 2},
  {name: 'inserted'},
  {name: 'updated', drop: 3},
  {name: 'quarantined'},
  {name: 'posted'},
  {name: 'last', drop: 4},
]

type Stream = Pick<NodeJS.WriteStream, 'write'> & {
  isTTY?: boolean
  columns?: number
  on?(event: 'resize', listener: () => void): unknown
  off?(event: 'resize', listener: () => void): unknown
}

/**
 * A table that redraws in place on a TTY, one row per provider. It fits the terminal's width, and the redraw moves
 * up by the rows the last drawing took on the screen (wrapped lines included, at the width the terminal has now:
 * terminals reflow on resize), so no earlier table is left behind. A resize redraws at once.
 */
export function createLiveView(ui: Renderer, stream: Stream, env: NodeJS.ProcessEnv = process.env) {
  const rows = new Map<string, Row>()
  let drawn: string | null = null
  const width = () => terminalColumns(stream, env)
  const erase = () => {
    if (drawn !== null) stream.write(`\u001B[${screenRows(drawn, width())}A\u001B[0J`)
    drawn = null
  }
  const draw = () => {
    const text = ui.table(
      COLUMNS,
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
      {width: width()},
    )
    erase()
    stream.write(`${text}\n`)
    drawn = text
  }
  const onResize = () => {
    if (drawn !== null) draw()
  }
  stream.on?.('resize', onResize)
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
  const now = () => new Date().toISOString().slice(11, 19)
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
      r.last = now()
      draw()
    },
    run: (run: ProviderRun) => {
      const r = row(run.provider)
      r.state =
        run.status === 'ok'
          ? 'idle'
          : run.status === 'failed'
            ? ui.chalk.red(`failed: ${run.error ?? ''}`)
            : run.status === 'stopped'
              ? 'stopped'
              : 'locked elsewhere'
      r.last = now()
      draw()
    },
    /** Stops following resizes; on stderr (the one-shot sync's progress) the table is erased for the result. */
    done: (opts: {erase?: boolean} = {}) => {
      stream.off?.('resize', onResize)
      if (opts.erase) erase()
    },
  }
}
