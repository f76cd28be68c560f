import type {QuarantineReason} from '../../core/transaction.js'
import type {Db} from '../db.js'

export interface QuarantineItem {
  id: number
  provider: string
  externalId: string | null
  reason: QuarantineReason
  detail: string
  status: 'open' | 'replayed' | 'resolved'
  seenCount: number
  source: string
  createdAt: string
  updatedAt: string
  normalizedJson: string | null
  rawJson: string
}

/**
 * One open item per gateway object: seeing it again bumps seen_count. The payload kept is the NEWEST state by the
 * gateway's updatedAt, not the last one seen, so a replay after out-of-order deliveries applies the latest state.
 */
// Items without a normalized form (invalid payloads) carry no time: the latest delivery wins for them.
const NEWER = `COALESCE(unixepoch(json_extract(excluded.normalized_json, '$.updatedAt'), 'subsec'), 1e18) >=
  COALESCE(unixepoch(json_extract(quarantine.normalized_json, '$.updatedAt'), 'subsec'), 0)`

export function quarantine(
  db: Db,
  q: {
    provider: string
    externalId: string | null
    reason: QuarantineReason
    detail: string
    rawJson: string
    normalizedJson: string | null
    source: string
  },
): void {
  const now = db.now()
  db.stmt(
    `INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, normalized_json, source, created_at, updated_at)
     VALUES (@provider, @externalId, @reason, @detail, @rawJson, @normalizedJson, @source, @now, @now)
     ON CONFLICT (provider, external_id) WHERE status = 'open' AND external_id IS NOT NULL
     DO UPDATE SET
       reason = CASE WHEN ${NEWER} THEN excluded.reason ELSE reason END,
       detail = CASE WHEN ${NEWER} THEN excluded.detail ELSE detail END,
       raw_json = CASE WHEN ${NEWER} THEN excluded.raw_json ELSE raw_json END,
       normalized_json = CASE WHEN ${NEWER} THEN excluded.normalized_json ELSE normalized_json END,
       seen_count = seen_count + 1, updated_at = excluded.updated_at`,
  ).run({...q, now})
}

/** Whether the provider has any open item: a page only looks for items to close when there are some. */
export function hasOpenQuarantine(db: Db, provider: string): boolean {
  return db.stmt(`SELECT 1 FROM quarantine WHERE provider = ? AND status = 'open' LIMIT 1`).get(provider) !== undefined
}

/** Why an object is held in quarantine (its open item's reason), or null when it is not. */
export function openQuarantineReason(db: Db, provider: string, externalId: string): QuarantineReason | null {
  const row = db
    .stmt(`SELECT reason FROM quarantine WHERE provider = ? AND external_id = ? AND status = 'open'`)
    .get(provider, externalId) as {reason: QuarantineReason} | undefined
  return row?.reason ?? null
}

/** Whether any refund or dispute of the provider waits for its payment: only then does an applied payment look. */
export function hasAwaitingChildren(db: Db, provider: string): boolean {
  return (
    db
      .stmt(`SELECT 1 FROM quarantine WHERE provider = ? AND status = 'open' AND reason = 'awaiting_parent' LIMIT 1`)
      .get(provider) !== undefined
  )
}

/**
 * The refunds and disputes waiting for this payment, in their newest known state, oldest first. The expression and
 * the conditions are those of the partial index quarantine_awaiting_parent, so the look-up is one index seek.
 */
export function awaitingChildren(
  db: Db,
  provider: string,
  parentExternalId: string,
): Array<{normalizedJson: string; rawJson: string}> {
  return db
    .stmt(
      `SELECT normalized_json AS normalizedJson, raw_json AS rawJson FROM quarantine
       WHERE provider = ? AND json_extract(normalized_json, '$.parentExternalId') = ? AND status = 'open' AND reason = 'awaiting_parent'
       ORDER BY id`,
    )
    .all(provider, parentExternalId) as Array<{normalizedJson: string; rawJson: string}>
}

/**
 * The state an object's open item holds (its newest known), if the item has a normalized form: a transaction that
 * now applies brings it along, since it may say more than the message that resolved it (a report row's fees).
 */
export function openHeldState(
  db: Db,
  provider: string,
  externalId: string,
): {normalizedJson: string; rawJson: string} | null {
  const row = db
    .stmt(
      `SELECT normalized_json AS normalizedJson, raw_json AS rawJson FROM quarantine
       WHERE provider = ? AND external_id = ? AND status = 'open' AND normalized_json IS NOT NULL`,
    )
    .get(provider, externalId) as {normalizedJson: string; rawJson: string} | undefined
  return row ?? null
}

/** A transaction that now applied cleanly closes its open quarantine item, if any. */
export function closeQuarantined(db: Db, provider: string, externalId: string, status: 'replayed' | 'resolved'): void {
  db.stmt(
    `UPDATE quarantine SET status = ?, updated_at = ? WHERE provider = ? AND external_id = ? AND status = 'open'`,
  ).run(status, db.now(), provider, externalId)
}

const COLUMNS =
  'id, provider, external_id, reason, detail, status, seen_count, source, created_at, updated_at, normalized_json, raw_json'

type Row = {
  id: number
  provider: string
  external_id: string | null
  reason: QuarantineReason
  detail: string
  status: QuarantineItem['status']
  seen_count: number
  source: string
  created_at: string
  updated_at: string
  normalized_json: string | null
  raw_json: string
}

function toItem(r: Row): QuarantineItem {
  return {
    id: r.id,
    provider: r.provider,
    externalId: r.external_id,
    reason: r.reason,
    detail: r.detail,
    status: r.status,
    seenCount: r.seen_count,
    source: r.source,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    normalizedJson: r.normalized_json,
    rawJson: r.raw_json,
  }
}

/**
 * Items by status (undefined: every status), provider, reason and ids. `recent` orders most recently touched first
 * (what an admin looking at the list wants); otherwise in the order they were quarantined (what a replay wants).
 */
export function listQuarantine(
  db: Db,
  filter: {
    status?: string
    provider?: string
    reason?: string
    ids?: number[]
    limit?: number
    order?: 'recent' | 'id'
  },
): QuarantineItem[] {
  const ids = filter.ids && filter.ids.length > 0 ? JSON.stringify(filter.ids) : null
  const order = filter.order === 'recent' ? 'updated_at DESC, id DESC' : 'id'
  const rows = db
    .stmt(
      `SELECT ${COLUMNS} FROM quarantine WHERE (@status IS NULL OR status = @status) AND (@provider IS NULL OR provider = @provider)
       AND (@reason IS NULL OR reason = @reason) AND (@ids IS NULL OR id IN (SELECT value FROM json_each(@ids))) ORDER BY ${order} LIMIT @limit`,
    )
    .all({
      status: filter.status ?? null,
      provider: filter.provider ?? null,
      reason: filter.reason ?? null,
      ids,
      limit: filter.limit ?? -1,
    }) as Row[]
  return rows.map(toItem)
}

export function countOpenQuarantine(db: Db): Array<{provider: string; reason: string; n: number}> {
  return db
    .stmt(
      `SELECT provider, reason, COUNT(*) AS n FROM quarantine WHERE status = 'open' GROUP BY provider, reason ORDER BY provider, reason`,
    )
    .all() as Array<{provider: string; reason: string; n: number}>
}
