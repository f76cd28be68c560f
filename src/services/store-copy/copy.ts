import type {Store} from '../../store/seam/store.js'
import {readCatalog} from './catalog.js'
import {checkCopy, type CopyChecks, count} from './checks.js'
import {copyTable} from './copy-table.js'
import {copyOrder, refuseDifferentSchemas} from './plan.js'
import {movePositions, readPositions, type SequencePosition} from './sequences.js'
import {claimEmptyTarget, IDENTITY_TABLE} from './target.js'

export interface CopyProgress {
  table: string
  /** Rows of this table copied so far, and in all. */
  rows: number
  tableRows: number
  /** Rows copied so far over every table, and in all. */
  done: number
  total: number
}

export interface StoreCopyResult {
  storeId: string
  /** In the order they were copied. */
  tables: Array<{name: string; rows: number}>
  rows: number
  sequences: SequencePosition[]
  checks: CopyChecks
}

/**
 * Copies one ledger into another, empty one, whichever engine holds each (the direction is the caller's choice).
 * The source is read in ONE read transaction, so a sync writing meanwhile is either wholly in the copy or not at
 * all; the target is written in ONE write transaction that also holds the checks, so a copy is committed whole and
 * verified, or not at all. Both ledgers must already be migrated to this code's schema.
 */
export async function copyStore(
  source: Store,
  target: Store,
  progress: (p: CopyProgress) => void = () => undefined,
): Promise<StoreCopyResult> {
  return source.read(async (from) => {
    const tables = await readCatalog(from, source.kind)
    const storeId = (await from.get<{store_id: string}>(`SELECT store_id FROM ${IDENTITY_TABLE} WHERE id = 1`))!
      .store_id
    const counts = new Map<string, number>()
    for (const table of tables) counts.set(table.name, await count(from, table.name))
    const total = [...counts.values()].reduce((a, b) => a + b, 0)
    const positions = await readPositions(from, source.kind, tables)
    return target.write(async (to) => {
      const targetTables = await readCatalog(to, target.kind)
      refuseDifferentSchemas(tables, targetTables)
      const restoreGuards = await claimEmptyTarget(to, target.kind, targetTables, storeId)
      const copied: StoreCopyResult['tables'] = []
      let done = 0
      for (const table of copyOrder(targetTables)) {
        const tableRows = counts.get(table.name)!
        const rows = await copyTable(from, to, table, (rows) =>
          progress({table: table.name, rows, tableRows, done: done + rows, total}),
        ).catch((error: unknown) => {
          throw Object.assign(new Error(`copying ${table.name}: ${(error as Error).message}`, {cause: error}), {
            code: (error as {code?: unknown}).code,
          })
        })
        done += rows
        copied.push({name: table.name, rows})
      }
      await restoreGuards()
      const checks = await checkCopy(from, to, targetTables, counts)
      // Last: a sequence moved by setval stays moved even if the transaction then rolls back.
      await movePositions(to, target.kind, targetTables, positions)
      return {storeId, tables: copied, rows: done, sequences: positions, checks}
    })
  })
}
