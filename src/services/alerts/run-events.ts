import type {GatewayCall} from '../../core/gateway-call.js'
import {callShowsUp, statusGroupOf} from '../../core/uptime.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, write} from '../../store/ops/op.js'
import {clearCondition, getCondition, putCondition} from '../../store/repos/alerts-conditions.js'
import {raiseAlert} from './raise.js'

/**
 * Run-level alerts (docs/alerts.md#gateway-down-and-recovered): sync_failed, gateway_down, gateway_recovered, raised
 * when a sync run ends, from state kept across runs (alert_conditions), so that each is raised on a change of state:
 *
 * - A run is "down" when the gateway gave no sensible answer to any of its calls (every call a timeout, a network
 *   error, a 5xx, a 429 or refused by our circuit breaker: core/uptime.ts's definition, after the HTTP client's own
 *   retries), "up" when at least one call was answered sensibly, and says nothing without calls.
 * - gateway_down on the first down run. gateway_recovered only once the gateway has answered in every run for
 *   RECOVERY_SETTLE_MS: a gateway flapping between down and up is one outage, so it sends one gateway_down and,
 *   once it holds, one gateway_recovered, never one pair per flap.
 * - sync_failed when a run fails while the gateway answers (credentials refused, a secret missing, a bad payload),
 *   once per failure episode and error code; a failure because the gateway is down is gateway_down's to tell. A run
 *   that succeeds ends the episode.
 */
export const RECOVERY_SETTLE_MS = 5 * 60_000

export type Reach = 'up' | 'down' | null

/** Watches a run's gateway calls (as the call log records them) and says whether the gateway answered. */
export class CallWitness {
  #up = false
  #down = false

  observe(call: Pick<GatewayCall, 'outcome' | 'status'>): void {
    if (callShowsUp(call.outcome, statusGroupOf(call.status))) this.#up = true
    else this.#down = true
  }

  reach(): Reach {
    if (this.#up) return 'up'
    return this.#down ? 'down' : null
  }
}

export interface RunEnd {
  provider: string
  status: 'ok' | 'failed'
  reach: Reach
  /** The failed run's error, scrubbed of secrets. */
  error?: {message: string; code: string}
  at: string
}

/** Call inside the write transaction that records the run's end. */
export const alertOnRunEnd = dual(function* alertOnRunEnd(
  run: RunEnd,
  settleMs: number = RECOVERY_SETTLE_MS,
): Ops<void> {
  yield* write(
    (function* () {
      yield* gatewayCondition(run, settleMs)
      yield* syncCondition(run)
    })(),
  )
})

function* gatewayCondition(run: RunEnd, settleMs: number): Ops<void> {
  if (run.reach === null) return
  const key = `gateway:${run.provider}`
  const current = yield* getCondition.ops(key)
  if (run.reach === 'down') {
    if (current === null) {
      yield* putCondition.ops({
        key,
        state: 'down',
        since: run.at,
        changedAt: run.at,
        detail: run.error?.message ?? null,
      })
      yield* raiseAlert.ops({
        event: 'gateway_down',
        subject: run.provider,
        provider: run.provider,
        data: {downSince: run.at, error: run.error?.message ?? null},
        dedupKey: `gateway_down:${run.provider}:${run.at}`,
        at: run.at,
      })
    } else if (current.state !== 'down') {
      // Recovering, and down again: the same outage goes on, still announced.
      yield* putCondition.ops({...current, state: 'down', changedAt: run.at})
    }
    return
  }
  if (current === null) return
  if (current.state === 'down') {
    yield* putCondition.ops({...current, state: 'recovering', changedAt: run.at})
    return
  }
  if (Date.parse(run.at) - Date.parse(current.changedAt) < settleMs) return
  yield* clearCondition.ops(key)
  yield* raiseAlert.ops({
    event: 'gateway_recovered',
    subject: run.provider,
    provider: run.provider,
    data: {
      downSince: current.since,
      answeringSince: current.changedAt,
      outageMs: Date.parse(current.changedAt) - Date.parse(current.since),
    },
    dedupKey: `gateway_recovered:${run.provider}:${current.since}`,
    at: run.at,
  })
}

function* syncCondition(run: RunEnd): Ops<void> {
  const key = `sync:${run.provider}`
  if (run.status === 'ok') {
    yield* clearCondition.ops(key)
    return
  }
  if (run.reach === 'down' || run.error === undefined) return
  const current = yield* getCondition.ops(key)
  if (current !== null && current.detail === run.error.code) return
  yield* putCondition.ops({
    key,
    state: 'failing',
    since: current?.since ?? run.at,
    changedAt: run.at,
    detail: run.error.code,
  })
  yield* raiseAlert.ops({
    event: 'sync_failed',
    subject: run.provider,
    provider: run.provider,
    data: {error: run.error.message, code: run.error.code, failingSince: current?.since ?? run.at},
    dedupKey: `sync_failed:${run.provider}:${run.at}`,
    at: run.at,
  })
}
