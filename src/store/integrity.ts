import type Database from 'better-sqlite3'

import {storageError} from './storage-errors.js'

export interface IntegrityResult {
  ok: boolean
  /** SQLite's findings, at most `limit` of them ("ok" is not listed). */
  problems: string[]
  durationMs: number
}

/**
 * SQLite's own check of every page, b-tree and index (`integrity_check`), or of the b-trees alone (`quick_check`:
 * no index-versus-table comparison, about half the time). A file too damaged for the check to run (its schema
 * unreadable) reports that as its problem.
 */
export function checkIntegrity(raw: Database.Database, opts: {quick?: boolean; limit?: number} = {}): IntegrityResult {
  const started = performance.now()
  const pragma = opts.quick ? 'quick_check' : 'integrity_check'
  let problems: string[]
  try {
    problems = (raw.pragma(`${pragma}(${opts.limit ?? 20})`, {simple: false}) as Array<Record<string, string>>)
      .map((row) => Object.values(row)[0] ?? '')
      .filter((line) => line !== 'ok')
  } catch (error) {
    if (storageError(error, raw.name)?.code !== 'database_corrupt') throw error
    problems = [(error as Error).message]
  }
  return {ok: problems.length === 0, problems, durationMs: Math.round(performance.now() - started)}
}
