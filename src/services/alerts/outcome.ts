import {dual} from '../../store/ops/dual.js'
import {type Ops, write} from '../../store/ops/op.js'
import {type AlertTarget, setAlertTargetEnabled} from '../../store/repos/alerts.js'
import {type DueDelivery, markAttemptFailed, markDelivered, noteAnswer} from '../../store/repos/alerts-outbox.js'
import {appendAudit} from '../audit.js'
import {nextAttemptMs} from './schedule.js'
import type {Answer} from './send.js'

export type Outcome = 'delivered' | 'retrying' | 'gaveUp' | 'disabled'

/** One attempt's answer, as it is recorded. */
export interface Answered {
  delivery: DueDelivery
  target: AlertTarget
  answer: Answer
  nowMs: number
  /** The receiver's Retry-After, in ms from nowMs; null without one. */
  retryAfterMs: number | null
}

/**
 * What a receiver's answer does to its delivery, in one write transaction:
 * - 2xx: delivered.
 * - 410 Gone: the receiver asks never to be called again: the target is disabled (audited) and the attempt is not
 *   counted, so its deliveries wait, whole, until `alerts enable`.
 * - anything else, or no answer: a failed attempt, tried again on the schedule (Retry-After honoured), given up
 *   (audited) after the last one.
 */
export const recordAnswer = dual(function* recordAnswer(actor: string, a: Answered): Ops<Outcome> {
  const {delivery: d, target, answer} = a
  const at = new Date(a.nowMs).toISOString()
  const status = answer.status
  return yield* write(
    (function* (): Ops<Outcome> {
      if (status !== null && status >= 200 && status < 300) {
        yield* markDelivered.ops(d.seq, target.id, {at, status, error: null})
        return 'delivered'
      }
      if (status === 410) {
        const reason = `the receiver answered 410 Gone at ${at}`
        yield* setAlertTargetEnabled.ops(target.id, false, reason)
        yield* noteAnswer.ops(d.seq, target.id, {at, status, error: 'HTTP 410 Gone'})
        yield* appendAudit.ops({
          actor,
          action: 'alert.target_disabled',
          subject: target.id,
          outcome: 'ok',
          details: {reason, messageId: d.messageId, event: d.event},
        })
        return 'disabled'
      }
      const error = answer.status === null ? answer.error : `HTTP ${answer.status}`
      const next = nextAttemptMs(d.attempts + 1, a.nowMs, a.retryAfterMs)
      const nextAt = next === null ? null : new Date(next).toISOString()
      yield* markAttemptFailed.ops(d.seq, target.id, {at, status, error, nextAt})
      if (nextAt !== null) return 'retrying'
      yield* appendAudit.ops({
        actor,
        action: 'alert.delivery_failed',
        subject: target.id,
        outcome: 'error',
        details: {
          messageId: d.messageId,
          event: d.event,
          raisedAt: d.raisedAt,
          attempts: d.attempts + 1,
          lastError: error,
        },
      })
      return 'gaveUp'
    })(),
  )
})
