import type {AppContext} from '../app/context.js'
import {QUARANTINE_REASONS} from '../core/transaction.js'
import {UsageError} from '../core/errors.js'
import {dual} from '../store/ops/dual.js'
import type {LedgerHandle} from '../store/ops/ledger-handle.js'
import type {Ops} from '../store/ops/op.js'
import {listQuarantine, type QuarantineItem} from '../store/repos/quarantine.js'
import {refuseUnknownFilterNames} from './filter-names.js'
import {replayQuarantineIn, type ReplayResult} from './sync/replay.js'

export type {ReplayResult} from './sync/replay.js'

export const QUARANTINE_STATUSES = ['open', 'replayed', 'resolved', 'all'] as const
export type QuarantineStatusFilter = (typeof QUARANTINE_STATUSES)[number]

/** A quarantined item as the list shows it; the raw payload only on request. */
export type QuarantineView = Omit<QuarantineItem, 'normalizedJson' | 'rawJson'> & {
  /** Only with `raw: true`: exactly what the gateway sent. */
  raw?: unknown
}

export const listQuarantined = dual(function* listQuarantined(
  input: {provider?: string; reason?: string; status?: QuarantineStatusFilter; limit?: number; raw?: boolean} = {},
): Ops<QuarantineView[]> {
  const limit = input.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${limit}`)
  if (input.reason !== undefined && !(QUARANTINE_REASONS as readonly string[]).includes(input.reason)) {
    throw new UsageError(`--reason ${JSON.stringify(input.reason)}: expected one of ${QUARANTINE_REASONS.join(', ')}`)
  }
  const status = input.status ?? 'open'
  const items = yield* listQuarantine.ops({
    provider: input.provider,
    reason: input.reason,
    status: status === 'all' ? undefined : status,
    limit,
    order: 'recent',
  })
  // A removed provider's held items still filter, whatever status or reason the others ask for.
  const provider = input.provider
  yield* refuseUnknownFilterNames.ops(
    items.length || (provider ? (yield* listQuarantine.ops({provider, limit: 1})).length : 0),
    {provider},
  )
  return items.map(({normalizedJson: _normalized, rawJson, ...view}) =>
    input.raw ? {...view, raw: JSON.parse(rawJson) as unknown} : view,
  )
})

/**
 * Re-applies open items (by id, or all of them) with the sync's own rules. Refuses to guess: without ids the
 * caller must say --all, so a bare `quarantine replay` never touches the ledger by accident.
 */
export async function replayQuarantined(
  ledger: LedgerHandle,
  ctx: AppContext,
  input: {ids?: number[]; all?: boolean},
): Promise<ReplayResult> {
  const ids = input.ids ?? []
  if (ids.length === 0 && !input.all) {
    throw new UsageError(
      'say which items to replay: --id N (repeatable) or --all',
      'See them with `yms-pay quarantine list`; replay with `yms-pay quarantine replay --id 12 --id 15` or `yms-pay quarantine replay --all`.',
    )
  }
  if (ids.length > 0 && input.all) throw new UsageError('--id and --all exclude each other: pass one of them')
  for (const id of ids)
    if (!Number.isInteger(id) || id < 1) throw new UsageError(`--id ${id}: expected a positive integer quarantine id`)
  if (ids.length > 0) await ledger.read(refuseUnreplayableIds(ids))
  return replayQuarantineIn(ledger, ctx, ids.length > 0 ? {ids} : {})
}

/**
 * Named ids must all be open items: a typo or an item replayed yesterday would otherwise be "considered: 0" with
 * exit 0, and the good ids beside it would be half-applied. Nothing is replayed unless every id is replayable.
 */
function* refuseUnreplayableIds(ids: number[]): Ops<void> {
  const status = new Map((yield* listQuarantine.ops({ids})).map((q) => [q.id, q.status]))
  const unknown = [...new Set(ids.filter((id) => !status.has(id)))]
  const closed = [...new Set(ids.filter((id) => status.has(id) && status.get(id) !== 'open'))]
  if (unknown.length === 0 && closed.length === 0) return
  const problems = [
    ...(unknown.length > 0 ? [`no quarantined item${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`] : []),
    ...(closed.length > 0 ? [`not open: ${closed.map((id) => `${id} (${status.get(id)})`).join(', ')}`] : []),
  ]
  throw new UsageError(
    `--id: ${problems.join('; ')}`,
    'Only open items replay; see every item and its status with `yms-pay quarantine list --status all`.',
  )
}
