import {createHash} from 'node:crypto'

import type {Db} from '../db.js'

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

const UPSERT = `INSERT INTO sync_skipped (provider, item_key, external_id, code, reason, raw_json, source, first_seen_at, last_seen_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (provider, item_key) DO UPDATE SET code = excluded.code, reason = excluded.reason,
    raw_json = excluded.raw_json, source = excluded.source, seen_count = seen_count + 1, last_seen_at = excluded.last_seen_at`

export function keepSkipped(db: Db, items: readonly SkippedWrite[], now: string = db.now()): void {
  const upsert = db.stmt(UPSERT)
  for (const s of items) {
    // An object without an id is known by what it said: the same payload seen twice is one entry.
    const key = s.externalId ?? `sha256:${createHash('sha256').update(s.rawJson).digest('hex')}`
    upsert.run(s.provider, key, s.externalId, s.code, s.reason, s.rawJson, s.source, now, now)
  }
}

/** Most recently seen first. */
export function listSkipped(
  db: Db,
  filter: {provider?: string; code?: string; reason?: string; limit?: number} = {},
): SkippedItem[] {
  const rows = db
    .stmt(
      `SELECT id, provider, external_id, code, reason, source, seen_count, first_seen_at, last_seen_at, raw_json FROM sync_skipped
       WHERE (@provider IS NULL OR provider = @provider) AND (@code IS NULL OR code = @code) AND (@reason IS NULL OR reason = @reason)
       ORDER BY last_seen_at DESC, id DESC LIMIT @limit`,
    )
    .all({
      provider: filter.provider ?? null,
      code: filter.code ?? null,
      reason: filter.reason ?? null,
      limit: filter.limit ?? -1,
    }) as Array<{
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
  }>
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
}
