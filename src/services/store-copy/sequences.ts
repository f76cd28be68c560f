import type {Queryable, Store} from '../../store/seam/store.js'
import type {Table} from './catalog.js'

export interface SequencePosition {
  table: string
  column: string
  /** The last number handed out: the next row the store numbers gets a greater one. */
  last: number
}

/**
 * Where each numbered column of the source stands: its greatest id, or further on when the store has handed out
 * numbers since deleted (an AUTOINCREMENT table, a PostgreSQL sequence), so no id is ever handed out twice: an
 * alert's outbox number, for one, is what its receivers deduplicate on.
 */
export async function readPositions(
  q: Queryable,
  kind: Store['kind'],
  tables: readonly Table[],
): Promise<SequencePosition[]> {
  const positions: SequencePosition[] = []
  for (const table of tables) {
    const column = table.identity
    if (column === undefined) continue
    const max = (await q.get<{last: number | null}>(`SELECT max("${column}") AS last FROM "${table.name}"`))?.last ?? 0
    const handedOut =
      kind === 'postgres'
        ? await q.get<{last: number | null}>(
            'SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence(?, ?) AS regclass)) AS last',
            [table.name, column],
          )
        : table.autoincrement
          ? await q.get<{last: number | null}>('SELECT seq AS last FROM sqlite_sequence WHERE name = ?', [table.name])
          : undefined
    positions.push({table: table.name, column, last: Math.max(max, handedOut?.last ?? 0)})
  }
  return positions
}

/**
 * Moves the target's numbering past each position. PostgreSQL: setval on the identity's sequence (not undone by a
 * rollback, so it runs last, after the checks). SQLite: sqlite_sequence for AUTOINCREMENT tables; any other rowid
 * table numbers from its greatest id anyway.
 */
export async function movePositions(
  q: Queryable,
  kind: Store['kind'],
  tables: readonly Table[],
  positions: readonly SequencePosition[],
): Promise<void> {
  const byName = new Map(tables.map((t) => [t.name, t]))
  for (const {table, column, last} of positions) {
    if (kind === 'postgres') {
      // setval(seq, 1, false): nothing handed out yet, the next is 1.
      await q.get(
        'SELECT setval(CAST(pg_get_serial_sequence(?, ?) AS regclass), greatest(CAST(? AS bigint), 1), CAST(? AS bigint) > 0) AS last',
        [table, column, last, last],
      )
    } else if (byName.get(table)?.autoincrement && last > 0) {
      // As a bigint: sqlite_sequence's column has no type, so a JS number would be stored as a REAL.
      const seq = BigInt(last)
      const {changes} = await q.run('UPDATE sqlite_sequence SET seq = ? WHERE name = ?', [seq, table])
      if (changes === 0) await q.run('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', [table, seq])
    }
  }
}
