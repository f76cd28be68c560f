import {OPEN_STATUSES, RETRY_STATUSES, type RetryStatus} from '../../core/retry/policy.js'
import type {Money} from '../../core/transaction.js'
import {UsageError} from '../../core/errors.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, read} from '../../store/ops/op.js'
import {getRetry, hasChainsOf, listRetries as listRows, type RetryRow} from '../../store/repos/retries.js'
import {attemptsOf, type AttemptRow} from '../../store/repos/retries-attempts.js'
import {refuseUnknownFilterNames} from '../filter-names.js'

/** `retry list --status`: one status, `open` (queued or resolving) or `all`. */
export const RETRY_LIST_STATUSES = ['open', 'all', ...RETRY_STATUSES] as const
export type RetryListStatus = (typeof RETRY_LIST_STATUSES)[number]

interface AttemptView {
  attempt: number
  provider: string
  route: 'primary' | 'fallback'
  reason: string
  status: AttemptRow['status']
  externalId: string | null
  failureCode: string | null
  detail: string | null
  startedAt: string
  finishedAt: string | null
}

export interface RetryView {
  id: number
  /** The failed payment. */
  payment: string
  provider: string
  customer: string
  site: string
  invoice: string | null
  amount: Money
  failureCode: string
  status: RetryStatus
  /** Retries used (sent, or passed because no processor could take them). */
  attempts: number
  nextAt: string | null
  note: string
  recovered: {payment: string; via: 'primary' | 'fallback'; attempt: number} | null
  failedAt: string
  queuedAt: string
  finishedAt: string | null
  requests: AttemptView[]
}

function toAttemptView(a: AttemptRow): AttemptView {
  return {
    attempt: a.slot,
    provider: a.provider,
    route: a.route,
    reason: a.routeReason,
    status: a.status,
    externalId: a.externalId,
    failureCode: a.failureCode,
    detail: a.detail,
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
  }
}

export const toRetryView = dual(function* toRetryView(r: RetryRow): Ops<RetryView> {
  const requests = yield* attemptsOf.ops(r.id)
  return {
    id: r.id,
    payment: r.txnId,
    provider: r.provider,
    customer: r.customerId,
    site: r.siteId,
    invoice: r.invoiceRef,
    amount: r.amount,
    failureCode: r.failureCode,
    status: r.status,
    attempts: r.slotsUsed,
    nextAt: r.nextAt,
    note: r.note,
    recovered:
      r.recoveredTxn && r.recoveredVia && r.recoveredSlot !== null
        ? {payment: r.recoveredTxn, via: r.recoveredVia, attempt: r.recoveredSlot}
        : null,
    failedAt: r.failedAt,
    queuedAt: r.queuedAt,
    finishedAt: r.finishedAt,
    requests: requests.map(toAttemptView),
  }
})

export const listRetries = dual(function* listRetries(f: {
  status: RetryListStatus
  provider?: string
  limit: number
}): Ops<RetryView[]> {
  const statuses: readonly RetryStatus[] =
    f.status === 'all' ? RETRY_STATUSES : f.status === 'open' ? OPEN_STATUSES : [f.status]
  return yield* read(
    (function* () {
      const rows = yield* listRows.ops({statuses, provider: f.provider, limit: f.limit})
      // Removing a provider cancels its open chains, so the default `open` never matches one: its chains in any
      // status are the history that keeps the name filtering (the removal's own note points at `--status canceled`).
      if (f.provider !== undefined)
        yield* refuseUnknownFilterNames.ops(rows.length > 0 || (yield* hasChainsOf.ops(f.provider)) ? 1 : 0, {
          provider: f.provider,
        })
      const views: RetryView[] = []
      for (const r of rows) views.push(yield* toRetryView.ops(r))
      return views
    })(),
  )
})

export const requireRetry = dual(function* requireRetry(id: number): Ops<RetryRow> {
  const chain = yield* getRetry.ops(id)
  if (!chain) throw new UsageError(`no retry ${id}`, 'List them with `yms-pay retry list --status all`.')
  return chain
})
