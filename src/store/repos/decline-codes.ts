import type {Decision, FailureBasis} from '../../core/transaction.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, type HeldInsert, later} from '../ops/op.js'

/**
 * Every code a failed payment came with, per provider (migration 005): how often, how often no table mapped it,
 * and how its adapter decided it last. What an admin reads before overriding a code (`retry codes`).
 */
export interface DeclineCodeSeen {
  provider: string
  kind: string
  code: string
  basis: FailureBasis
  decision: Decision
  message: string
  txnId: string
}

export interface DeclineCodeRow extends Omit<DeclineCodeSeen, 'basis' | 'decision' | 'message' | 'txnId'> {
  seenCount: number
  unmappedCount: number
  lastBasis: FailureBasis
  lastDecision: Decision
  lastMessage: string
  lastTxnId: string
  firstSeenAt: string
  lastSeenAt: string
}

export const noteDeclineCode = dual(function* noteDeclineCode(seen: DeclineCodeSeen, now: string) {
  const unmapped = seen.basis === 'unmapped' ? 1 : 0
  // Nothing reads it back in the apply that notes it: on PostgreSQL it goes with the page's held rows, a page's
  // notes of one code as one row (NOTE's merge).
  yield* later(NOTE, 1, [
    seen.provider,
    seen.kind,
    seen.code,
    1,
    unmapped,
    seen.basis,
    seen.decision,
    seen.message,
    seen.txnId,
    now,
    now,
  ])
})

// Positions in a NOTE row: seen_count and unmapped_count add up, first_seen_at is the earlier row's, the rest the
// later row's, as two upserts one after the other would leave them.
const SEEN = 3
const UNMAPPED = 4
const FIRST_SEEN = 9

const NOTE: HeldInsert = {
  head: `INSERT INTO decline_codes (provider, kind, code, seen_count, unmapped_count, last_basis, last_decision,
       last_message, last_txn_id, first_seen_at, last_seen_at)`,
  row: '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  tail: bothWays(
    (w) => `ON CONFLICT (provider, code) DO UPDATE SET kind = excluded.kind,
       seen_count = ${w.stored('decline_codes', 'seen_count')} + excluded.seen_count,
       unmapped_count = ${w.stored('decline_codes', 'unmapped_count')} + excluded.unmapped_count, last_basis = excluded.last_basis,
       last_decision = excluded.last_decision, last_message = excluded.last_message,
       last_txn_id = excluded.last_txn_id, last_seen_at = excluded.last_seen_at`,
  ),
  merge: {
    key: (row) => JSON.stringify([row[0], row[2]]),
    combine(earlier, later) {
      const row = [...later]
      row[SEEN] = (earlier[SEEN] as number) + (later[SEEN] as number)
      row[UNMAPPED] = (earlier[UNMAPPED] as number) + (later[UNMAPPED] as number)
      row[FIRST_SEEN] = earlier[FIRST_SEEN]
      return row
    },
  },
}

/** Most seen first; `unmapped` keeps the codes that came at least once without a mapping. */
export const listDeclineCodes = dual(function* listDeclineCodes(
  filter: {provider?: string; kind?: string; unmapped?: boolean} = {},
) {
  const rows = yield* all<{
    provider: string
    kind: string
    code: string
    seen_count: number
    unmapped_count: number
    last_basis: FailureBasis
    last_decision: Decision
    last_message: string
    last_txn_id: string
    first_seen_at: string
    last_seen_at: string
  }>(LISTED, {provider: filter.provider ?? null, kind: filter.kind ?? null, unmapped: filter.unmapped ? 1 : 0})
  return rows.map((r): DeclineCodeRow => ({
    provider: r.provider,
    kind: r.kind,
    code: r.code,
    seenCount: r.seen_count,
    unmappedCount: r.unmapped_count,
    lastBasis: r.last_basis,
    lastDecision: r.last_decision,
    lastMessage: r.last_message,
    lastTxnId: r.last_txn_id,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
  }))
})

const LISTED = bothWays(
  (w) => `SELECT provider, kind, code, seen_count, unmapped_count, last_basis, last_decision, last_message, last_txn_id,
         first_seen_at, last_seen_at FROM decline_codes
       WHERE (${w.unset('@provider')} OR provider = @provider) AND (${w.unset('@kind')} OR kind = @kind)
         AND (@unmapped = 0 OR unmapped_count > 0)
       ORDER BY seen_count DESC, provider, code`,
)

/** How many codes came without a mapping since the last time they were cleared by an override (for status). */
export const countUnmappedCodes = dual(function* countUnmappedCodes() {
  const row = yield* get<{codes: number; payments: number}>(
    `SELECT count(*) AS codes, coalesce(sum(d.unmapped_count), 0) AS payments FROM decline_codes d
       WHERE d.unmapped_count > 0
         AND NOT EXISTS (SELECT 1 FROM retry_code_overrides o WHERE o.kind = d.kind AND o.code = d.code)`,
  )
  return row!
})
