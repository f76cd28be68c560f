import type {QuarantineReason} from '../../core/transaction.js'
import {bothWays, type Words, words} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, type Engine, get, now, type Ops, run, type Sql} from '../ops/op.js'

/**
 * Whether the incoming item's normalized state is at least as new as the one held (UPSERT, below): by the
 * gateway's updatedAt, compared as a time.
 */
const NEWER: Record<Engine, string> = {
  sqlite: `COALESCE(unixepoch(json_extract(excluded.normalized_json, '$.updatedAt'), 'subsec'), 1e18) >=
  COALESCE(unixepoch(json_extract(quarantine.normalized_json, '$.updatedAt'), 'subsec'), 0)`,
  postgres: `COALESCE(${epoch('excluded.normalized_json')}, 1e18) >= COALESCE(${epoch('quarantine.normalized_json')}, 0)`,
}

/**
 * PostgreSQL's unixepoch(…, 'subsec') of a normalized item's updatedAt: NULL, not an error, for what is not a time.
 * Normalization writes ISO-8601 UTC only (core/transaction.ts); SQLite reads a few more shapes (no zone, an offset, a
 * space for the T), none of which is written, and PostgreSQL's cast would read those in the session's time zone.
 */
function epoch(json: string): string {
  const at = words('postgres').jsonText(json, 'updatedAt')
  return `(CASE WHEN ${at} ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' AND pg_input_is_valid(${at}, 'timestamptz')
    THEN extract(epoch FROM CAST(${at} AS timestamptz)) END)`
}

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

// Items without a normalized form (invalid payloads) carry no time: the latest delivery wins for them (NEWER).
const upsertSql = (
  w: Words,
  newer: string,
) => `INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, normalized_json, source, created_at, updated_at)
     VALUES (@provider, @externalId, @reason, @detail, @rawJson, @normalizedJson, @source, @now, @now)
     ON CONFLICT (provider, external_id) WHERE status = 'open' AND external_id IS NOT NULL
     DO UPDATE SET
       reason = CASE WHEN ${newer} THEN excluded.reason ELSE ${w.stored('quarantine', 'reason')} END,
       detail = CASE WHEN ${newer} THEN excluded.detail ELSE ${w.stored('quarantine', 'detail')} END,
       raw_json = CASE WHEN ${newer} THEN excluded.raw_json ELSE ${w.stored('quarantine', 'raw_json')} END,
       normalized_json = CASE WHEN ${newer} THEN excluded.normalized_json ELSE ${w.stored('quarantine', 'normalized_json')} END,
       seen_count = ${w.stored('quarantine', 'seen_count')} + 1, updated_at = excluded.updated_at`
const UPSERT: Sql = {
  sqlite: upsertSql(words('sqlite'), NEWER.sqlite),
  postgres: upsertSql(words('postgres'), NEWER.postgres),
}

/**
 * One open item per gateway object: seeing it again bumps seen_count. The payload kept is the NEWEST state by the
 * gateway's updatedAt, not the last one seen, so a replay after out-of-order deliveries applies the latest state.
 */
export const quarantine = dual(function* quarantine(q: {
  provider: string
  externalId: string | null
  reason: QuarantineReason
  detail: string
  rawJson: string
  normalizedJson: string | null
  source: string
}) {
  yield* run(UPSERT, {...q, now: yield* now()})
})

/**
 * Whether the provider has any open item (a page only looks for items to close when there are some), and any
 * refund or dispute waiting for its payment (only then does an applied payment look): one statement for both.
 */
export const openQuarantineOf = dual(function* openQuarantineOf(provider: string) {
  const row = yield* get<{anyOpen: unknown; awaiting: unknown}>(
    `SELECT EXISTS (SELECT 1 FROM quarantine WHERE provider = ? AND status = 'open') AS "anyOpen",
            EXISTS (SELECT 1 FROM quarantine WHERE provider = ? AND status = 'open' AND reason = 'awaiting_parent') AS awaiting`,
    [provider, provider],
  )
  // SQLite answers 0 or 1, PostgreSQL a boolean.
  return {anyOpen: Boolean(row?.anyOpen), awaiting: Boolean(row?.awaiting)}
})

/** Why an object is held in quarantine (its open item's reason), or null when it is not. */
export const openQuarantineReason = dual(function* openQuarantineReason(
  provider: string,
  externalId: string,
): Ops<QuarantineReason | null> {
  const row = yield* get<{reason: QuarantineReason}>(
    `SELECT reason FROM quarantine WHERE provider = ? AND external_id = ? AND status = 'open'`,
    [provider, externalId],
  )
  return row?.reason ?? null
})

/**
 * The refunds and disputes waiting for this payment, in their newest known state, oldest first. The expression and
 * the conditions are those of the partial index quarantine_awaiting_parent, so the look-up is one index seek.
 */
export const awaitingChildren = dual(function* awaitingChildren(provider: string, parentExternalId: string) {
  return yield* all<{normalizedJson: string; rawJson: string}>(AWAITING, [provider, parentExternalId])
})

const AWAITING = bothWays(
  (w) => `SELECT normalized_json AS ${w.alias('normalizedJson')}, raw_json AS ${w.alias('rawJson')} FROM quarantine
       WHERE provider = ? AND ${w.jsonText('normalized_json', 'parentExternalId')} = ? AND status = 'open' AND reason = 'awaiting_parent'
       ORDER BY id`,
)

/**
 * The state an object's open item holds (its newest known), if the item has a normalized form: a transaction that
 * now applies brings it along, since it may say more than the message that resolved it (a report row's fees).
 */
export const openHeldState = dual(function* openHeldState(
  provider: string,
  externalId: string,
): Ops<{normalizedJson: string; rawJson: string} | null> {
  const row = yield* get<{normalizedJson: string; rawJson: string}>(HELD, [provider, externalId])
  return row ?? null
})

const HELD = bothWays(
  (w) => `SELECT normalized_json AS ${w.alias('normalizedJson')}, raw_json AS ${w.alias('rawJson')} FROM quarantine
       WHERE provider = ? AND external_id = ? AND status = 'open' AND normalized_json IS NOT NULL`,
)

/** A transaction that now applied cleanly closes its open quarantine item, if any. */
export const closeQuarantined = dual(function* closeQuarantined(
  provider: string,
  externalId: string,
  status: 'replayed' | 'resolved',
) {
  yield* run(
    `UPDATE quarantine SET status = ?, updated_at = ? WHERE provider = ? AND external_id = ? AND status = 'open'`,
    [status, yield* now(), provider, externalId],
  )
})

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
export const listQuarantine = dual(function* listQuarantine(filter: {
  status?: string
  provider?: string
  reason?: string
  ids?: number[]
  limit?: number
  order?: 'recent' | 'id'
}): Ops<QuarantineItem[]> {
  const ids = filter.ids && filter.ids.length > 0 ? JSON.stringify(filter.ids) : null
  const rows = yield* all<Row>(filter.order === 'recent' ? LIST.recent : LIST.id, {
    status: filter.status ?? null,
    provider: filter.provider ?? null,
    reason: filter.reason ?? null,
    ids,
    limit: filter.limit ?? -1,
  })
  return rows.map(toItem)
})

const list = (order: string) =>
  bothWays(
    (
      w,
    ) => `SELECT ${COLUMNS} FROM quarantine WHERE (${w.unset('@status')} OR status = @status) AND (${w.unset('@provider')} OR provider = @provider)
       AND (${w.unset('@reason')} OR reason = @reason) AND (${w.unset('@ids')} OR id ${w.inList('integer', '@ids')}) ORDER BY ${order} LIMIT ${w.limit('@limit')}`,
  )

const LIST = {recent: list('updated_at DESC, id DESC'), id: list('id')}

export const countOpenQuarantine = dual(function* countOpenQuarantine() {
  return yield* all<{provider: string; reason: string; n: number}>(
    `SELECT provider, reason, COUNT(*) AS n FROM quarantine WHERE status = 'open' GROUP BY provider, reason ORDER BY provider, reason`,
  )
})
