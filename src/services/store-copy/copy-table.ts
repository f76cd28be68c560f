import type {Queryable, SqlValue} from '../../store/seam/store.js'
import type {Table} from './catalog.js'
import {DERIVED_FROM} from './plan.js'

/**
 * Parameters per statement, under both engines' limits (SQLite 32766, PostgreSQL 65535), and rows per statement:
 * enough to make a round trip worth it, few enough that memory stays flat whatever the ledger's size.
 */
const MAX_PARAMETERS = 30_000
const MAX_ROWS = 500

/**
 * Streams one table from the source, in primary-key order, into the target in multi-row INSERTs, keeping every
 * value as stored (ids included). Returns the rows copied; `progress` hears after each batch.
 */
export async function copyTable(
  source: Queryable,
  target: Queryable,
  table: Table,
  progress: (rows: number) => void,
): Promise<number> {
  const columns = table.columns.map((c) => `"${c}"`).join(', ')
  const order = (table.primaryKey.length > 0 ? table.primaryKey : table.columns).map((c) => `"${c}"`).join(', ')
  const perBatch = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / table.columns.length)))
  const row = `(${table.columns.map(() => '?').join(', ')})`
  // A derived table's rows that the triggers already wrote are left as built; the checks compare them.
  const conflict = DERIVED_FROM[table.name] ? ` ON CONFLICT (${order}) DO NOTHING` : ''
  const insert = (rows: number) =>
    `INSERT INTO "${table.name}" (${columns}) VALUES ${Array.from({length: rows}, () => row).join(', ')}${conflict}`
  let batch: SqlValue[] = []
  let rows = 0
  const flush = async () => {
    const count = batch.length / table.columns.length
    if (count === 0) return
    await target.run(insert(count), batch)
    rows += count
    batch = []
    progress(rows)
  }
  for await (const record of source.iterate<Record<string, SqlValue>>(
    `SELECT ${columns} FROM "${table.name}" ORDER BY ${order}`,
  )) {
    for (const column of table.columns) batch.push(record[column] ?? null)
    if (batch.length >= perBatch * table.columns.length) await flush()
  }
  await flush()
  return rows
}
