import type {AttemptStatus} from '../../core/retry/policy.js'
import type {Decision, Failure} from '../../core/transaction.js'
import type {Db} from '../db.js'

/** One request of a retry chain, recorded before it is sent. */
export interface AttemptRow {
  id: number
  retryId: number
  seq: number
  slot: number
  provider: string
  route: 'primary' | 'fallback'
  routeReason: string
  methodRef: string
  idempotencyKey: string
  /** The request exactly as sent (a CreatePaymentRequest as JSON; it holds no secret). */
  requestJson: string
  status: AttemptStatus
  externalId: string | null
  failureCode: string | null
  failureMessage: string | null
  decision: Decision | null
  detail: string | null
  checks: number
  startedAt: string
  finishedAt: string | null
}

interface Row {
  id: number
  retry_id: number
  seq: number
  slot: number
  provider: string
  route: 'primary' | 'fallback'
  route_reason: string
  method_ref: string
  idempotency_key: string
  request_json: string
  status: AttemptStatus
  external_id: string | null
  failure_code: string | null
  failure_message: string | null
  decision: Decision | null
  detail: string | null
  checks: number
  started_at: string
  finished_at: string | null
}

const COLUMNS = `id, retry_id, seq, slot, provider, route, route_reason, method_ref, idempotency_key, request_json, status,
  external_id, failure_code, failure_message, decision, detail, checks, started_at, finished_at`

function toAttempt(r: Row): AttemptRow {
  return {
    id: r.id,
    retryId: r.retry_id,
    seq: r.seq,
    slot: r.slot,
    provider: r.provider,
    route: r.route,
    routeReason: r.route_reason,
    methodRef: r.method_ref,
    idempotencyKey: r.idempotency_key,
    requestJson: r.request_json,
    status: r.status,
    externalId: r.external_id,
    failureCode: r.failure_code,
    failureMessage: r.failure_message,
    decision: r.decision,
    detail: r.detail,
    checks: r.checks,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  }
}

interface NewAttempt {
  retryId: number
  seq: number
  slot: number
  provider: string
  route: 'primary' | 'fallback'
  routeReason: string
  methodRef: string
  idempotencyKey: string
  requestJson: string
  now: string
}

/** Records a request as `sending`, before it goes out. The (chain, seq) and key uniqueness refuse a second writer. */
export function insertAttempt(db: Db, a: NewAttempt): AttemptRow {
  const id = db
    .stmt(
      `INSERT INTO retry_attempts (retry_id, seq, slot, provider, route, route_reason, method_ref, idempotency_key,
         request_json, status, started_at)
       VALUES (@retryId, @seq, @slot, @provider, @route, @routeReason, @methodRef, @idempotencyKey, @requestJson,
         'sending', @now)`,
    )
    .run(a).lastInsertRowid
  return getAttempt(db, Number(id))!
}

function getAttempt(db: Db, id: number): AttemptRow | null {
  const row = db.stmt(`SELECT ${COLUMNS} FROM retry_attempts WHERE id = ?`).get(id) as Row | undefined
  return row ? toAttempt(row) : null
}

export function attemptsOf(db: Db, retryId: number): AttemptRow[] {
  const rows = db.stmt(`SELECT ${COLUMNS} FROM retry_attempts WHERE retry_id = ? ORDER BY seq`).all(retryId) as Row[]
  return rows.map(toAttempt)
}

/** The attempt whose outcome a chain waits for (sending, unknown or pending), if any. */
export function unsettledAttempt(db: Db, retryId: number): AttemptRow | null {
  const row = db
    .stmt(
      `SELECT ${COLUMNS} FROM retry_attempts WHERE retry_id = ? AND status IN ('sending', 'unknown', 'pending')
       ORDER BY seq DESC LIMIT 1`,
    )
    .get(retryId) as Row | undefined
  return row ? toAttempt(row) : null
}

export function attemptByExternalId(db: Db, provider: string, externalId: string): AttemptRow | null {
  const row = db
    .stmt(`SELECT ${COLUMNS} FROM retry_attempts WHERE provider = ? AND external_id = ? ORDER BY id DESC LIMIT 1`)
    .get(provider, externalId) as Row | undefined
  return row ? toAttempt(row) : null
}

export function attemptByKey(db: Db, key: string): AttemptRow | null {
  const row = db.stmt(`SELECT ${COLUMNS} FROM retry_attempts WHERE idempotency_key = ?`).get(key) as Row | undefined
  return row ? toAttempt(row) : null
}

export interface Settlement {
  status: Exclude<AttemptStatus, 'sending'>
  externalId: string | null
  /** The failure as the adapter reported it, with the decision taken on it and why. */
  failure: (Failure & {reason: string}) | null
  detail: string | null
  now: string
}

/**
 * Records what became of an attempt. A settled outcome (succeeded, failed, not_sent) is final: a later, older
 * report of the same attempt does not undo it (returns false then). An external id once learned is kept.
 */
export function settleAttemptRow(db: Db, id: number, s: Settlement): boolean {
  const final = s.status === 'succeeded' || s.status === 'failed' || s.status === 'not_sent'
  const result = db
    .stmt(
      `UPDATE retry_attempts SET status = @status, external_id = COALESCE(@externalId, external_id),
         failure_code = @code, failure_message = @message, decision = @decision, reason = @reason,
         failure_origin = @origin, network = @network, network_code = @networkCode, network_advice = @networkAdvice,
         detail = COALESCE(@detail, detail),
         finished_at = CASE WHEN @final THEN @now ELSE finished_at END
       WHERE id = @id AND status IN ('sending', 'unknown', 'pending')`,
    )
    .run({
      id,
      status: s.status,
      externalId: s.externalId,
      code: s.failure?.code ?? null,
      message: s.failure?.message ?? null,
      decision: s.failure?.decision ?? null,
      reason: s.failure?.reason ?? null,
      origin: s.failure ? (s.failure.origin ?? 'decline') : null,
      network: s.failure?.network ?? null,
      networkCode: s.failure?.networkCode ?? null,
      networkAdvice: s.failure?.networkAdvice ?? null,
      detail: s.detail,
      final: final ? 1 : 0,
      now: s.now,
    })
  return result.changes > 0
}

/** One more look at an unsettled attempt, and what it found. */
export function noteCheck(db: Db, id: number, detail: string): void {
  db.stmt('UPDATE retry_attempts SET checks = checks + 1, detail = ? WHERE id = ?').run(detail, id)
}

/** The external ids a chain's attempts are known by: a look-up that finds one of them found an older attempt. */
export function externalIdsOf(db: Db, retryId: number): Set<string> {
  const ids = db
    .stmt('SELECT external_id FROM retry_attempts WHERE retry_id = ? AND external_id IS NOT NULL')
    .pluck()
    .all(retryId) as string[]
  return new Set(ids)
}

/** A request that went to a card (payment method), as the card-network caps read it. */
export interface CardRequest {
  id: number
  startedAt: string
  status: Exclude<AttemptStatus, 'not_sent'>
  origin: 'decline' | 'request' | null
  network: string | null
  networkCode: string | null
  networkAdvice: string | null
}

/** The requests that went to this card (payment method) at this provider since `since`: what the caps count. */
export function cardRequests(db: Db, provider: string, methodRef: string, since: string): CardRequest[] {
  return db
    .stmt(
      `SELECT id, started_at AS startedAt, status, failure_origin AS origin, network, network_code AS networkCode,
         network_advice AS networkAdvice
       FROM retry_attempts WHERE provider = ? AND method_ref = ? AND started_at >= ? AND status <> 'not_sent'
       ORDER BY started_at`,
    )
    .all(provider, methodRef, since) as CardRequest[]
}
