import {UsageError} from '../../core/errors.js'
import type {Db} from '../../store/db.js'
import {listSkipped, type SkippedItem} from '../../store/repos/skipped.js'

/** A skipped object as `sync skipped` shows it; the raw payload only on request. */
export type SkippedView = Omit<SkippedItem, 'rawJson'> & {
  /** Only with `raw: true`: exactly what the gateway sent. */
  raw?: unknown
}

/**
 * What the syncs saw and deliberately did not post (a dispute hold, an undocumented event code), most recently seen
 * first: the entries behind the `skipped` count of a sync run.
 */
export function listSkippedItems(
  db: Db,
  input: {provider?: string; code?: string; reason?: string; limit?: number; raw?: boolean} = {},
): SkippedView[] {
  const limit = input.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${limit}`)
  return listSkipped(db, {provider: input.provider, code: input.code, reason: input.reason, limit}).map(
    ({rawJson, ...view}) => (input.raw ? {...view, raw: JSON.parse(rawJson) as unknown} : view),
  )
}
