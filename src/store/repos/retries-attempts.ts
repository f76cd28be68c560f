import type {AttemptStatus} from '../../core/retry/policy.js'
import type {Decision, Failure} from '../../core/transaction.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, type Ops, run, value, values} from '../ops/op.js'

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
export const insertAttempt = dual(function* insertAttempt(a: NewAttempt) {
  const id = yield* value<number>(
    `INSERT INTO retry_attempts (retry_id, seq, slot, provider, route, route_reason, method_ref, idempotency_key,
         request_json, status, started_at)
       VALUES (@retryId, @seq, @slot, @provider, @route, @routeReason, @methodRef, @idempotencyKey, @requestJson,
         'sending', @now)
       RETURNING id`,
    {...a},
  )
  return (yield* getAttempt(id!))!
})

function* getAttempt(id: number): Ops<AttemptRow | null> {
  const row = yield* get<Row>(`SELECT ${COLUMNS} FROM retry_attempts WHERE id = ?`, [id])
  return row ? toAttempt(row) : null
}

export const attemptsOf = dual(function* attemptsOf(retryId: number) {
  const rows = yield* all<Row>(`SELECT ${COLUMNS} FROM retry_attempts WHERE retry_id = ? ORDER BY seq`, [retryId])
  return rows.map(toAttempt)
})

/** The attempt whose outcome a chain waits for (sending, unknown or pending), if any. */
export const unsettledAttempt = dual(function* unsettledAttempt(retryId: number) {
  const row = yield* get<Row>(
    `SELECT ${COLUMNS} FROM retry_attempts WHERE retry_id = ? AND status IN ('sending', 'unknown', 'pending')
       ORDER BY seq DESC LIMIT 1`,
    [retryId],
  )
  return row ? toAttempt(row) : null
})

export const attemptByExternalId = dual(function* attemptByExternalId(provider: string, externalId: string) {
  const row = yield* get<Row>(
    `SELECT ${COLUMNS} FROM retry_attempts WHERE provider = ? AND external_id = ? ORDER BY id DESC LIMIT 1`,
    [provider, externalId],
  )
  return row ? toAttempt(row) : null
})

export const attemptByKey = dual(function* attemptByKey(key: string) {
  const row = yield* get<Row>(`SELECT ${COLUMNS} FROM retry_attempts WHERE idempotency_key = ?`, [key])
  return row ? toAttempt(row) : null
})

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
export const settleAttemptRow = dual(function* settleAttemptRow(id: number, s: Settlement) {
  const final = s.status === 'succeeded' || s.status === 'failed' || s.status === 'not_sent'
  // `CASE WHEN @final` binds 1 or 0: PostgreSQL types that parameter boolean and reads '1' / '0' as true / false.
  const result = yield* run(
    `UPDATE retry_attempts SET status = @status, external_id = COALESCE(@externalId, external_id),
         failure_code = @code, failure_message = @message, decision = @decision, reason = @reason,
         failure_origin = @origin, network = @network, network_code = @networkCode, network_advice = @networkAdvice,
         detail = COALESCE(@detail, detail),
         finished_at = CASE WHEN @final THEN @now ELSE finished_at END
       WHERE id = @id AND status IN ('sending', 'unknown', 'pending')`,
    {
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
    },
  )
  return result.changes > 0
})

/** One more look at an unsettled attempt, and what it found. */
export const noteCheck = dual(function* noteCheck(id: number, detail: string) {
  yield* run('UPDATE retry_attempts SET checks = checks + 1, detail = ? WHERE id = ?', [detail, id])
})

/** The external ids a chain's attempts are known by: a look-up that finds one of them found an older attempt. */
export const externalIdsOf = dual(function* externalIdsOf(retryId: number) {
  const ids = yield* values<string>(
    'SELECT external_id FROM retry_attempts WHERE retry_id = ? AND external_id IS NOT NULL',
    [retryId],
  )
  return new Set(ids)
})

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
export const cardRequests = dual(function* cardRequests(provider: string, methodRef: string, since: string) {
  return yield* all<CardRequest>(CARD_REQUESTS, [provider, methodRef, since])
})

const CARD_REQUESTS = bothWays(
  (
    w,
  ) => `SELECT id, started_at AS ${w.alias('startedAt')}, status, failure_origin AS origin, network, network_code AS ${w.alias('networkCode')},
         network_advice AS ${w.alias('networkAdvice')}
       FROM retry_attempts WHERE provider = ? AND method_ref = ? AND started_at >= ? AND status <> 'not_sent'
       ORDER BY started_at`,
)
