import type {QuarantineReason} from '../../core/transaction.js'
import {words} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, type Engine, get, now, type Ops, run, type Sql} from '../ops/op.js'

/** The words of this file's statements that the engines spell differently. */
interface Spelling {
  /** A camelCase alias: PostgreSQL folds an unquoted name to lower case. */
  alias(name: string): string
  /** A parameter left out: PostgreSQL cannot tell the type of a parameter only tested for NULL, so it is named. */
  unset(param: string): string
  /** `IN` a JSON array parameter of integers (dialect.ts's inList, for a named parameter). */
  inIntegers(param: string): string
  /** LIMIT's count, where a negative one means none (SQLite's rule; PostgreSQL's is NULL, and it refuses a negative). */
  limit(param: string): string
  /** A top-level field of a JSON text column (dialect.ts). */
  jsonText(column: string, field: string): string
  /**
   * The row an upsert's DO UPDATE changes, by column: PostgreSQL finds a bare name ambiguous between it and
   * `excluded`.
   */
  own(column: string): string
  /** Whether the incoming item's normalized state is at least as new as the one held (upsert, above). */
  newer: string
}

const SPELLING: Record<Engine, Spelling> = {
  sqlite: {
    alias: (name) => name,
    unset: (param) => `${param} IS NULL`,
    inIntegers: (param) => `IN (SELECT value FROM json_each(${param}))`,
    limit: (param) => param,
    jsonText: words('sqlite').jsonText,
    own: (column) => column,
    newer: `COALESCE(unixepoch(json_extract(excluded.normalized_json, '$.updatedAt'), 'subsec'), 1e18) >=
  COALESCE(unixepoch(json_extract(quarantine.normalized_json, '$.updatedAt'), 'subsec'), 0)`,
  },
  postgres: {
    alias: (name) => `"${name}"`,
    unset: (param) => `CAST(${param} AS text) IS NULL`,
    inIntegers: (param) => `IN (SELECT json_array_elements_text(CAST(${param} AS json))::bigint)`,
    limit: (param) => `CASE WHEN CAST(${param} AS bigint) >= 0 THEN CAST(${param} AS bigint) END`,
    jsonText: words('postgres').jsonText,
    own: (column) => `quarantine.${column}`,
    newer: `COALESCE(${epoch('excluded.normalized_json')}, 1e18) >= COALESCE(${epoch('quarantine.normalized_json')}, 0)`,
  },
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

function spell(template: (s: Spelling) => string): Sql {
  return {sqlite: template(SPELLING.sqlite), postgres: template(SPELLING.postgres)}
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

// Items without a normalized form (invalid payloads) carry no time: the latest delivery wins for them (Spelling.newer).
const UPSERT = spell(
  (
    s,
  ) => `INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, normalized_json, source, created_at, updated_at)
     VALUES (@provider, @externalId, @reason, @detail, @rawJson, @normalizedJson, @source, @now, @now)
     ON CONFLICT (provider, external_id) WHERE status = 'open' AND external_id IS NOT NULL
     DO UPDATE SET
       reason = CASE WHEN ${s.newer} THEN excluded.reason ELSE ${s.own('reason')} END,
       detail = CASE WHEN ${s.newer} THEN excluded.detail ELSE ${s.own('detail')} END,
       raw_json = CASE WHEN ${s.newer} THEN excluded.raw_json ELSE ${s.own('raw_json')} END,
       normalized_json = CASE WHEN ${s.newer} THEN excluded.normalized_json ELSE ${s.own('normalized_json')} END,
       seen_count = ${s.own('seen_count')} + 1, updated_at = excluded.updated_at`,
)

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

/** Whether the provider has any open item: a page only looks for items to close when there are some. */
export const hasOpenQuarantine = dual(function* hasOpenQuarantine(provider: string) {
  return (
    (yield* get(`SELECT 1 FROM quarantine WHERE provider = ? AND status = 'open' LIMIT 1`, [provider])) !== undefined
  )
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

/** Whether any refund or dispute of the provider waits for its payment: only then does an applied payment look. */
export const hasAwaitingChildren = dual(function* hasAwaitingChildren(provider: string) {
  return (
    (yield* get(
      `SELECT 1 FROM quarantine WHERE provider = ? AND status = 'open' AND reason = 'awaiting_parent' LIMIT 1`,
      [provider],
    )) !== undefined
  )
})

/**
 * The refunds and disputes waiting for this payment, in their newest known state, oldest first. The expression and
 * the conditions are those of the partial index quarantine_awaiting_parent, so the look-up is one index seek.
 */
export const awaitingChildren = dual(function* awaitingChildren(provider: string, parentExternalId: string) {
  return yield* all<{normalizedJson: string; rawJson: string}>(AWAITING, [provider, parentExternalId])
})

const AWAITING = spell(
  (s) => `SELECT normalized_json AS ${s.alias('normalizedJson')}, raw_json AS ${s.alias('rawJson')} FROM quarantine
       WHERE provider = ? AND ${s.jsonText('normalized_json', 'parentExternalId')} = ? AND status = 'open' AND reason = 'awaiting_parent'
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

const HELD = spell(
  (s) => `SELECT normalized_json AS ${s.alias('normalizedJson')}, raw_json AS ${s.alias('rawJson')} FROM quarantine
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
  spell(
    (
      s,
    ) => `SELECT ${COLUMNS} FROM quarantine WHERE (${s.unset('@status')} OR status = @status) AND (${s.unset('@provider')} OR provider = @provider)
       AND (${s.unset('@reason')} OR reason = @reason) AND (${s.unset('@ids')} OR id ${s.inIntegers('@ids')}) ORDER BY ${order} LIMIT ${s.limit('@limit')}`,
  )

const LIST = {recent: list('updated_at DESC, id DESC'), id: list('id')}

export const countOpenQuarantine = dual(function* countOpenQuarantine() {
  return yield* all<{provider: string; reason: string; n: number}>(
    `SELECT provider, reason, COUNT(*) AS n FROM quarantine WHERE status = 'open' GROUP BY provider, reason ORDER BY provider, reason`,
  )
})
