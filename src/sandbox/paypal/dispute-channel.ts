import {createHash} from 'node:crypto'

/**
 * How a scenario dispute reaches PayPal (customer_disputes_v1 `dispute_channel`), which decides the rows it adds
 * to the transaction search (docs/gateways.md#paypal-transaction-search):
 * - INTERNAL: a claim the buyer filed with PayPal. PayPal holds the amount (T1110) until the claim is decided,
 *   then releases the hold (T1111) and, when the buyer wins, reverses the payment (T1106).
 * - EXTERNAL: a chargeback from the card issuer (T1201), with PayPal's chargeback fee (T0106); a chargeback the
 *   merchant wins is reversed (T1202).
 * The scenario does not say which, so each dispute gets one from its key: the same world always shows the same.
 */
export type DisputeChannel = 'INTERNAL' | 'EXTERNAL'

export function disputeChannel(seed: number, disputeKey: string): DisputeChannel {
  const digest = createHash('sha256').update(`${seed}:channel:${disputeKey}`).digest()
  return digest[0]! % 2 === 0 ? 'INTERNAL' : 'EXTERNAL'
}
