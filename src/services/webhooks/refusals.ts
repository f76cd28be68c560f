import {scrubSecrets} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {appendAudit} from '../audit.js'

/** Why a request got no 2xx, by the status it got. */
export type RefusalStatus = 400 | 401 | 403 | 404 | 405 | 408 | 413 | 500 | 503

export interface Refusal {
  /** A configured provider's id, or null (an unknown id, another path). */
  provider: string | null
  status: RefusalStatus
  reason: string
  /** What the request named, when it is not a provider: a path or an unknown id, cut short and made printable. */
  subject?: string
}

interface Tally {
  refusal: Refusal
  count: number
  firstAt: string
  lastAt: string
}

/**
 * Every refusal is counted, and audited with its reason (never a secret: reasons are scrubbed). One audit row per
 * provider, status and reason per flush carries the count since the last one, so a flood of forged requests
 * cannot flood the hash-chained audit log: rows grow with the kinds of refusal, not with the requests.
 */
export interface RefusalLog {
  record(refusal: Refusal, at: string): void
  /** Writes the pending tallies as audit rows, in one transaction of their own. */
  flush(ledger: LedgerHandle, actor: string): Promise<void>
  pending(): boolean
  /** Refusals since the server started, by status. */
  totals(): Record<string, number>
}

export function createRefusalLog(): RefusalLog {
  let tallies = new Map<string, Tally>()
  const totals: Record<string, number> = {}
  return {
    record(refusal, at) {
      const clean: Refusal = {...refusal, reason: scrubSecrets(refusal.reason)}
      const key = `${clean.provider ?? ''}\u0000${clean.status}\u0000${clean.reason}\u0000${clean.subject ?? ''}`
      const tally = tallies.get(key)
      if (tally) {
        tally.count++
        tally.lastAt = at
      } else tallies.set(key, {refusal: clean, count: 1, firstAt: at, lastAt: at})
      totals[clean.status] = (totals[clean.status] ?? 0) + 1
    },
    async flush(ledger, actor) {
      if (tallies.size === 0) return
      const due = tallies
      tallies = new Map()
      try {
        await ledger.write(() =>
          (function* () {
            for (const {refusal, count, firstAt, lastAt} of due.values()) {
              yield* appendAudit.ops({
                actor,
                action: 'webhook.refused',
                provider: refusal.provider,
                subject: refusal.subject ?? refusal.provider,
                outcome: 'denied',
                details: {status: refusal.status, reason: refusal.reason, count, firstAt, lastAt},
              })
            }
          })(),
        )
      } catch (error) {
        // Not written (the ledger busy or failing): kept for the next flush, merged with what came since.
        for (const [key, t] of due) {
          const later = tallies.get(key)
          tallies.set(key, later ? {...t, count: t.count + later.count, lastAt: later.lastAt} : t)
        }
        throw error
      }
    },
    pending: () => tallies.size > 0,
    totals: () => ({...totals}),
  }
}

/** A name from a request (path, provider id) as an audit row may show it: printable and short. */
export function printable(text: string, max = 80): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?')
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean
}
