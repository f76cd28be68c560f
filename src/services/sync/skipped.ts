import {UsageError} from '../../core/errors.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {listSkipped, type SkippedItem} from '../../store/repos/skipped.js'
import {refuseUnknownFilterNames} from '../filter-names.js'

/** A skipped object as `sync skipped` shows it; the raw payload only on request. */
export type SkippedView = Omit<SkippedItem, 'rawJson'> & {
  /** Only with `raw: true`: exactly what the gateway sent. */
  raw?: unknown
}

/**
 * What the syncs saw and deliberately did not post (a dispute hold, an undocumented event code), most recently seen
 * first: the entries behind the `skipped` count of a sync run.
 */
export const listSkippedItems = dual(function* listSkippedItems(
  input: {provider?: string; code?: string; reason?: string; limit?: number; raw?: boolean} = {},
): Ops<SkippedView[]> {
  const limit = input.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${limit}`)
  const items = yield* listSkipped.ops({provider: input.provider, code: input.code, reason: input.reason, limit})
  // Any item of the provider, whatever its code or reason, is history that keeps a removed provider's name filtering.
  if (input.provider !== undefined)
    yield* refuseUnknownFilterNames.ops(
      items.length || (yield* listSkipped.ops({provider: input.provider, limit: 1})).length,
      {provider: input.provider},
    )
  return items.map(({rawJson, ...view}) => (input.raw ? {...view, raw: JSON.parse(rawJson) as unknown} : view))
})
