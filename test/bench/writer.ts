import {copyFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {openDatabase} from '../../src/store/db.js'
import {commitAllPages, fetchedPages} from './sync/fetched-pages.js'
import {median} from './stats.js'
import {COLUMNS, openChargesDb} from './sync/charges-table.js'

/**
 * The sync's write path alone: every page of a Stripe backfill is fetched first (emulator in-process), then the
 * pages are committed with `commitPage` on this thread, timed, against a fresh copy of the same prepared home,
 * next to a floor that inserts the same raw payloads with one batched insert per page. No network, no worker
 * thread: what one page costs the writer, which bounds the pipelined sync.
 *   npx tsx test/bench/writer.ts [--size 10000] [--reps 5]
 */
const argv = process.argv.slice(2)
const opt = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback)
const size = Number(opt('--size', '10000'))
const reps = Number(opt('--reps', '5'))

const scratch = mkdtempSync(join(tmpdir(), 'yms-bench-writer-'))
try {
  const {template, pages} = await fetchedPages(scratch, size)
  const items = pages.reduce((n, p) => n + p.page.items.length, 0)
  const times: number[] = []
  const walFrames: number[] = []
  for (let rep = 0; rep < reps; rep++) {
    const file = join(scratch, `run-${rep}.db`)
    copyFileSync(template, file)
    const db = openDatabase(file)
    if (process.env.EXP_SQL) db.raw.exec(process.env.EXP_SQL)
    times.push(commitAllPages(db, pages))
    walFrames.push(Number((db.raw.pragma('wal_checkpoint(PASSIVE)') as Array<{log: number}>)[0]?.log ?? 0))
    db.close()
    rmSync(file, {force: true})
  }
  // The floor's write: the same raw payloads, one multi-row INSERT per page (test/bench/sync/floor.ts's table).
  const floorTimes: number[] = []
  for (let rep = 0; rep < reps; rep++) {
    const file = join(scratch, `floor-${rep}.db`)
    const db = openChargesDb(file)
    const t0 = performance.now()
    for (const p of pages) {
      const rows = p.page.items.map((i) => [
        i.txn.externalId,
        i.txn.amount.minor,
        i.txn.amount.currency,
        i.txn.status,
        i.txn.customerRef,
        Date.parse(i.txn.occurredAt),
        i.txn.fee?.minor ?? null,
        (i as {rawJson: string}).rawJson,
      ])
      if (rows.length > 0)
        db.transaction(() =>
          db
            .prepare(
              `INSERT OR REPLACE INTO charges (${COLUMNS.join(',')}) VALUES ${rows.map(() => `(${COLUMNS.map(() => '?').join(',')})`).join(',')}`,
            )
            .run(...rows.flat()),
        ).immediate()
    }
    floorTimes.push(performance.now() - t0)
    db.close()
    rmSync(file, {force: true})
  }
  console.log(`floor: median ${median(floorTimes).toFixed(0)} ms: ${floorTimes.map((t) => t.toFixed(0)).join(' ')}`)
  const ms = median(times)
  console.log(
    `${items} items in ${pages.length} pages: median ${ms.toFixed(0)} ms (${(ms / pages.length).toFixed(2)} ms/page, ${((ms * 1000) / items).toFixed(1)} µs/item) over ${reps} reps: ${times.map((t) => t.toFixed(0)).join(' ')}; WAL frames since the last checkpoint ${median(walFrames)}`,
  )
} finally {
  rmSync(scratch, {recursive: true, force: true})
}
