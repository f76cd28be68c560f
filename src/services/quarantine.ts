import type {AppContext} from '../cli/context.js'
import {QUARANTINE_REASONS} from '../core/transaction.js'
import {UsageError} from '../errors.js'
import type {Db} from '../store/db.js'
import {queryQuarantine} from '../store/repos/quarantine-queries.js'
import {replayQuarantine, type ReplayResult} from './sync/replay.js'

export type {ReplayResult} from './sync/replay.js'

export const QUARANTINE_STATUSES = ['open', 'replayed', 'resolved', 'all'] as const
export type QuarantineStatusFilter = (typeof QUARANTINE_STATUSES)[number]

export interface QuarantineView {
  id: number
  provider: string
  externalId: string | null
  reason: string
  detail: string
  status: 'open' | 'replayed' | 'resolved'
  seenCount: number
  source: string
  createdAt: string
  updatedAt: string
  /** Only with `raw: true`: exactly what the gateway sent. */
  raw?: unknown
}

export function listQuarantined(db: Db, input: {provider?: string; reason?: string; status?: QuarantineStatusFilter; limit?: number; raw?: boolean} = {}): QuarantineView[] {
  const limit = input.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${limit}`)
  if (input.reason !== undefined && !(QUARANTINE_REASONS as readonly string[]).includes(input.reason)) {
    throw new UsageError(`--reason ${JSON.stringify(input.reason)}: expected one of ${QUARANTINE_REASONS.join(', ')}`)
  }
  const status = input.status ?? 'open'
  const items = queryQuarantine(db, {provider: input.provider, reason: input.reason, status: status === 'all' ? undefined : status, limit})
  return items.map((q) => {
    const view: QuarantineView = {id: q.id, provider: q.provider, externalId: q.externalId, reason: q.reason, detail: q.detail, status: q.status, seenCount: q.seenCount, source: q.source, createdAt: q.createdAt, updatedAt: q.updatedAt}
    if (input.raw) view.raw = JSON.parse(q.rawJson) as unknown
    return view
  })
}

/**
 * Re-applies open items (by id, or all of them) with the sync's own rules. Refuses to guess: without ids the
 * caller must say --all, so a bare `quarantine replay` never touches the ledger by accident.
 */
export function replayQuarantined(db: Db, ctx: AppContext, input: {ids?: number[]; all?: boolean}): ReplayResult {
  const ids = input.ids ?? []
  if (ids.length === 0 && !input.all) {
    throw new UsageError('say which items to replay: --id N (repeatable) or --all', 'See them with `yms-pay quarantine list`; replay with `yms-pay quarantine replay --id 12 --id 15` or `yms-pay quarantine replay --all`.')
  }
  if (ids.length > 0 && input.all) throw new UsageError('--id and --all exclude each other: pass one of them')
  for (const id of ids) if (!Number.isInteger(id) || id < 1) throw new UsageError(`--id ${id}: expected a positive integer quarantine id`)
  return replayQuarantine(db, ctx, ids.length > 0 ? {ids} : {})
}
