import type {CopyProgress} from '../services/store-copy/copy.js'

const QUIET_MS = 1_000
const EVERY_MS = 250

/**
 * A progress line for `store copy` on a terminal's stderr, rewritten in place: only once a copy has run for a
 * second (a small ledger copies without it), at most four times a second. `done()` clears it.
 */
export function copyProgressLine(stream: NodeJS.WriteStream): {update(p: CopyProgress): void; done(): void} {
  const started = Date.now()
  let last = 0
  let shown = false
  return {
    update(p) {
      const now = Date.now()
      if (now - started < QUIET_MS || now - last < EVERY_MS) return
      last = now
      shown = true
      const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100)
      stream.write(`\r\u001B[2Kcopying ${p.table}: ${p.rows}/${p.tableRows} rows (${pct}% of ${p.total})`)
    },
    done() {
      if (shown) stream.write('\r\u001B[2K')
    },
  }
}
