import type {Receipt} from './alert-receiver.js'

/**
 * The verdict on what a Standard Webhooks receiver got from several hosts delivering alerts while being SIGKILLed
 * (test/e2e/hosts-postgres.test.ts): "delivered once" as a sender can promise it, the receiver processing each alert
 * once by de-duplicating on webhook-id, with a repeat allowed only where a kill made it due.
 */
export const DELIVERY_LEASE = 'alerts:deliver'
/** How much later than a kill this process may stamp a request its victim had sent (alert-receiver.ts `cut`). */
const CUT_SLACK_MS = 2_000

export interface OutboxRow {
  seq: number
  message_id: string
  event: string
  subject: string
  payload: string
  status: string
  attempts: number
}

export interface Kill {
  /** Date.now() once it had died. */
  at: number
  worker: string
  pid: number
  /** Leases the killed process held, read just before and just after the kill. */
  leases: string[]
}

/**
 * Every outbox delivery delivered; the receiver processed each outbox alert once (its first receipt of the id) with
 * the outbox's body; a repeated id only with the same body, and only where a kill made the resend due
 * (resentAfterKill); no id the outbox does not hold.
 */
export function judgeAlerts(
  outbox: readonly OutboxRow[],
  receipts: readonly Receipt[],
  kills: readonly Kill[],
): {problems: string[]; repeated: string[]} {
  const problems: string[] = []
  const byId = new Map(outbox.map((o) => [o.message_id, o]))
  for (const o of outbox) if (o.status !== 'delivered') problems.push(`${o.message_id}: ${o.status} in the outbox`)
  const got = new Map<string, Receipt[]>()
  for (const r of receipts) got.set(r.id, [...(got.get(r.id) ?? []), r])
  for (const o of outbox) if (!got.has(o.message_id)) problems.push(`${o.message_id}: never received`)
  const crashed = (k: Kill) => k.leases.includes(DELIVERY_LEASE)
  const repeated: string[] = []
  for (const [id, rs] of got) {
    const o = byId.get(id)
    if (!o) {
      problems.push(`${id}: received, not in the outbox`)
      continue
    }
    if (rs.some((r) => r.body !== o.payload)) problems.push(`${id}: received with another body than the outbox's`)
    if (rs.length === 1) continue
    repeated.push(id)
    const unexplained = rs.slice(1).filter((r, i) => !resentAfterKill(rs[i]!, r, kills))
    if (unexplained.length > 0) {
      // What tells the causes apart: the attempts recorded (more than one: a send counted failed and sent again), when
      // each receipt came, and the kills around them (and whether each held the delivery lease).
      const first = rs[0]!.at
      const near = kills
        .filter((k) => k.at >= first - 3_000 && k.at <= rs.at(-1)!.at + 3_000)
        .map((k) => `${k.worker}@${k.at - first}${crashed(k) ? '(lease)' : ''}`)
      const at = rs.map((r) => `+${r.at - first}${r.cut ? ' (cut)' : ''}`)
      problems.push(
        `${id}: received ${rs.length} times, ${unexplained.length} with no kill of the deliverer before ` +
          `(attempts ${o.attempts}; receipts at ${at.join(', ')} ms; kills near: ${near.join(' ') || 'none'})`,
      )
    }
  }
  return {problems, repeated}
}

/**
 * Whether `next` repeats `prev` because a deliverer was killed between them, in one of the two ways a resend is due:
 * - killed while the receiver held `prev` (its connection closed before the answer): the request was on the wire when
 *   its sender died, so this process may stamp the receipt and the kill (both read from its event loop) in either
 *   order; the kill counts when stamped up to CUT_SLACK_MS before `prev`. No lease check: a sender of alerts holds the
 *   delivery lease, and the two lease reads around a kill can both miss it (taken after the first, taken over
 *   before the second).
 * - killed holding the delivery lease after `prev` was answered, before its answer was recorded.
 */
function resentAfterKill(prev: Receipt, next: Receipt, kills: readonly Kill[]): boolean {
  if (prev.cut && kills.some((k) => k.at >= prev.at - CUT_SLACK_MS && k.at <= next.at)) return true
  return kills.some((k) => k.leases.includes(DELIVERY_LEASE) && k.at >= prev.at && k.at <= next.at)
}
