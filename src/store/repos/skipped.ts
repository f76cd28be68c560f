import {createHash} from 'node:crypto'

import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, now, type Ops, run} from '../ops/op.js'

/**
 * Gateway objects seen and deliberately not posted (Page.skipped), one row per object: seeing it again (an
 * overlapping window, a repeated page) updates the row and its count instead of adding one.
 */
export interface SkippedWrite {
  provider: string
  externalId: string | null
  code: string
  reason: string
  rawJson: string
  source: 'pull' | 'webhook' | 'replay' | 'retry'
}

export interface SkippedItem {
  id: number
  provider: string
  externalId: string | null
  code: string
  reason: string
  source: string
  seenCount: number
  firstSeenAt: string
  lastSeenAt: string
  rawJson: string
}

const UPSERT = bothWays(
  (
    w,
  ) => `INSERT INTO sync_skipped (provider, item_key, external_id, code, reason, raw_json, source, first_seen_at, last_seen_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (provider, item_key) DO UPDATE SET code = excluded.code, reason = excluded.reason,
    raw_json = excluded.raw_json, source = excluded.source, seen_count = ${w.stored('sync_skipped', 'seen_count')} + 1, last_seen_at = excluded.last_seen_at`,
)

export const keepSkipped = dual(function* keepSkipped(items: readonly SkippedWrite[], at?: string) {
  const when = at ?? (yield* now())
  for (const s of items) {
    // An object without an id is known by what it said: the same payload seen twice is one entry.
    const key = s.externalId ?? `sha256:${createHash('sha256').update(s.rawJson).digest('hex')}`
    yield* run(UPSERT, [s.provider, key, s.externalId, s.code, s.reason, s.rawJson, s.source, when, when])
  }
})

/** Most recently seen first. */
export const listSkipped = dual(function* listSkipped(
  filter: {provider?: string; code?: string; reason?: string; limit?: number} = {},
): Ops<SkippedItem[]> {
  const rows = yield* all<{
    id: number
    provider: string
    external_id: string | null
    code: string
    reason: string
    source: string
    seen_count: number
    first_seen_at: string
    last_seen_at: string
    raw_json: string
  }>(LIST, {
    provider: filter.provider ?? null,
    code: filter.code ?? null,
    reason: filter.reason ?? null,
    limit: filter.limit ?? -1,
  })
  return rows.map((r) => ({
    id: r.id,
    provider: r.provider,
    externalId: r.external_id,
    code: r.code,
    reason: r.reason,
    source: r.source,
    seenCount: r.seen_count,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    rawJson: r.raw_json,
  }))
})

const LIST = bothWays(
  (
    w,
  ) => `SELECT id, provider, external_id, code, reason, source, seen_count, first_seen_at, last_seen_at, raw_json FROM sync_skipped
       WHERE (${w.unset('@provider')} OR provider = @provider) AND (${w.unset('@code')} OR code = @code) AND (${w.unset('@reason')} OR reason = @reason)
       ORDER BY last_seen_at DESC, id DESC LIMIT ${w.limit('@limit')}`,
)
