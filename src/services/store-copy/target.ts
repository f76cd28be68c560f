import {UsageError} from '../../core/errors.js'
import type {Queryable, Store} from '../../store/seam/store.js'
import type {Table} from './catalog.js'

/** The one table a freshly migrated ledger has a row in: its own store id, minted by the migration. */
export const IDENTITY_TABLE = 'store_identity'

/**
 * Makes the target ready for the copy, in the copy's transaction: refuses a target holding any ledger row (two
 * ledgers are never merged), then removes the store id its migration minted so the source's can be copied in its
 * place (the store id names the keychain entries, so the copied providers find their secrets). That row is guarded
 * against UPDATE and DELETE by triggers, suspended here for this transaction only; the returned function restores
 * them before the commit. Nothing can depend on the minted id of an empty ledger: every use of a ledger leaves rows
 * (at least its audit log, which is append-only).
 */
export async function claimEmptyTarget(
  q: Queryable,
  kind: Store['kind'],
  tables: readonly Table[],
  sourceStoreId: string,
): Promise<() => Promise<void>> {
  // First, so that on PostgreSQL a second copy into the same database waits here (the ALTER TABLE's lock) and
  // then finds the first one's rows, instead of racing it.
  const restore = await suspendGuards(q, kind)
  for (const table of tables) {
    if (table.name === IDENTITY_TABLE) continue
    if ((await q.get(`SELECT 1 AS found FROM "${table.name}" LIMIT 1`)) === undefined) continue
    const found = await q.get<{store_id: string}>(`SELECT store_id FROM ${IDENTITY_TABLE} WHERE id = 1`)
    const same = found?.store_id === sourceStoreId
    throw new UsageError(
      same
        ? `the target already holds a copy of this ledger (store id ${sourceStoreId}; ${table.name} has rows)`
        : `the target holds another ledger (store id ${found?.store_id ?? 'unknown'}; ${table.name} has rows): two ledgers are never merged`,
      kind === 'postgres'
        ? same
          ? 'Nothing was changed. It may have been written to since the copy: to copy again, drop and re-create the target database, or name an empty one.'
          : 'Nothing was changed. Name an empty database (CREATE DATABASE …).'
        : same
          ? 'Nothing was changed. It may have been written to since the copy: to copy again, name a new home (--home <dir>), which the copy makes.'
          : 'Nothing was changed. Name a new home (--home <dir>), which the copy makes.',
      'target_not_empty',
    )
  }
  await q.run(`DELETE FROM ${IDENTITY_TABLE}`)
  return restore
}

async function suspendGuards(q: Queryable, kind: Store['kind']): Promise<() => Promise<void>> {
  if (kind === 'postgres') {
    // Transactional, and only this table's own triggers: needs the table's owner, the user that migrated it.
    await q.run(`ALTER TABLE ${IDENTITY_TABLE} DISABLE TRIGGER USER`)
    return async () => void (await q.run(`ALTER TABLE ${IDENTITY_TABLE} ENABLE TRIGGER USER`))
  }
  // SQLite cannot disable a trigger: drop and re-create it from its own text, in the same transaction.
  const triggers = await q.all<{name: string; sql: string}>(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name",
    [IDENTITY_TABLE],
  )
  for (const {name} of triggers) await q.run(`DROP TRIGGER "${name}"`)
  return async () => {
    for (const {sql} of triggers) await q.run(sql)
  }
}
