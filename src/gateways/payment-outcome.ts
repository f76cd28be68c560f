import type {FetchedTxn} from '../core/transaction.js'
import type {PaymentOutcome} from './types.js'

type Failure = NonNullable<FetchedTxn['txn']['failure']>

/**
 * A payment the gateway answered with, translated, as a create-payment outcome: the normalized status decides.
 * `failed` carries the payment's own failure (or `whenUnexplained` if the gateway gave no reason); a canceled or
 * voided payment is a terminal failure described by `whenCanceled`.
 */
export function outcomeOfPayment(
  item: FetchedTxn,
  describe: {whenUnexplained: Failure; whenCanceled: Failure},
): PaymentOutcome {
  const {txn} = item
  switch (txn.status) {
    case 'succeeded':
      return {status: 'succeeded', externalId: txn.externalId, item}
    case 'pending':
    case 'authorized':
      return {status: 'pending', externalId: txn.externalId, item}
    case 'failed':
      return {status: 'failed', externalId: txn.externalId, failure: txn.failure ?? describe.whenUnexplained, item}
    default:
      return {status: 'failed', externalId: txn.externalId, failure: describe.whenCanceled, item}
  }
}
