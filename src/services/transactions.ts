import {TXN_STATUSES, TXN_TYPES, type Money, type NormalizedTxn} from '../core/transaction.js'
import {UsageError} from '../core/errors.js'
import {parseInstant} from '../core/time-input.js'
import {dual} from '../store/ops/dual.js'
import {now, type Ops, read} from '../store/ops/op.js'
import {postingsFor, type TxnSummary} from '../store/repos/ledger.js'
import {
  queryTransactions,
  transactionDocuments,
  transactionStates,
  type TxnFilter,
} from '../store/repos/transaction-queries.js'
import {listAudit, type AuditView} from './audit.js'
import {refuseUnknownFilterNames} from './filter-names.js'

export type {TxnSummary} from '../store/repos/ledger.js'

/** The list filters as a command passes them: the limit defaults, and `since` is any form parseInstant reads. */
export type ListTransactionsInput = Omit<TxnFilter, 'limit'> & {limit?: number}

export interface TransactionDetail {
  /** The normalized transaction as stored. */
  transaction: NormalizedTxn
  /** Exactly what the gateway sent for its latest state (parsed raw_json). */
  raw: unknown
  postings: Array<{version: number; account: string; amount: Money; postedAt: string}>
  states: Array<{
    version: number
    status: string
    amount: Money
    gatewayUpdatedAt: string
    source: string
    recordedAt: string
  }>
  audit: AuditView[]
}

const DEFAULT_LIST_LIMIT = 50

export const listTransactions = dual(function* listTransactions(input: ListTransactionsInput = {}): Ops<TxnSummary[]> {
  const limit = input.limit ?? DEFAULT_LIST_LIMIT
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${limit}`)
  if (input.status !== undefined && !(TXN_STATUSES as readonly string[]).includes(input.status)) {
    throw new UsageError(`--status ${JSON.stringify(input.status)}: expected one of ${TXN_STATUSES.join(', ')}`)
  }
  if (input.type !== undefined && !(TXN_TYPES as readonly string[]).includes(input.type)) {
    throw new UsageError(`--type ${JSON.stringify(input.type)}: expected one of ${TXN_TYPES.join(', ')}`)
  }
  return yield* read(
    (function* () {
      const found = yield* queryTransactions.ops({
        ...input,
        since: input.since === undefined ? undefined : parseInstant(input.since, '--since', Date.parse(yield* now())),
        limit,
      })
      yield* refuseUnknownFilterNames.ops(found.length, {site: input.site, customer: input.customer})
      // A removed provider's payments still filter, whatever the other filters leave.
      const provider = input.provider
      if (provider !== undefined)
        yield* refuseUnknownFilterNames.ops(
          found.length || (yield* queryTransactions.ops({provider, limit: 1})).length,
          {provider},
        )
      return found
    })(),
  )
})

/** Everything known about one transaction: both documents, its postings, its state history and its audit trail. */
export const showTransaction = dual(function* showTransaction(id: string): Ops<TransactionDetail> {
  return yield* read(
    (function* () {
      const docs = yield* transactionDocuments.ops(id)
      if (!docs) {
        throw new UsageError(
          `unknown transaction "${id}"`,
          'Transaction ids look like <provider>:<externalId>; list them with `yms-pay transactions list` (filter with --provider, --customer, --site).',
        )
      }
      return {
        transaction: docs.transaction,
        raw: JSON.parse(docs.rawJson) as unknown,
        postings: (yield* postingsFor.ops(id)).map((p) => ({
          version: p.version,
          account: p.account,
          amount: {minor: p.minor, currency: p.currency},
          postedAt: p.postedAt,
        })),
        states: (yield* transactionStates.ops(id)).map((s) => ({
          version: s.version,
          status: s.status,
          amount: s.amount,
          gatewayUpdatedAt: s.gatewayUpdatedAt,
          source: s.source,
          recordedAt: s.recordedAt,
        })),
        audit: yield* listAudit.ops({subject: id}),
      }
    })(),
  )
})
