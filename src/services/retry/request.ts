import {createHash} from 'node:crypto'

import type {CreatePaymentRequest} from '../../gateways/types.js'
import type {RetryRow} from '../../store/repos/retries.js'

/**
 * The request of one retry attempt. Its idempotency key is derived from the failed payment and the attempt's
 * number alone, so the same attempt re-sent after any crash (even with the attempt's row lost) carries the same key
 * and an idempotent gateway answers it instead of charging again. 32 characters or so: within Square's 45, Adyen's
 * 64 and Stripe's 255, free of the `:` and `%` Adyen's merchant reference escapes.
 */
const KEY_PREFIX = 'ymsr-'
const RETRY_KEY_PATTERN = /ymsr-[0-9a-f]{20}-\d+/

export function retryKey(failedTxnId: string, seq: number): string {
  const digest = createHash('sha256').update(failedTxnId, 'utf8').digest('hex').slice(0, 20)
  return `${KEY_PREFIX}${digest}-${seq}`
}

/** A retry key in any value of a payment's metadata (Stripe keeps it as metadata, Adyen in its merchant reference, Square in the note). */
export function retryKeyIn(metadata: Readonly<Record<string, string>>): string | null {
  for (const value of Object.values(metadata)) {
    const match = RETRY_KEY_PATTERN.exec(value)
    if (match) return match[0]
  }
  return null
}

/**
 * The metadata every retry carries, so the new payment reconciles with the bill it pays and can be traced to the
 * failure it retries. The invoice goes under each name an adapter reads it from (Stripe `yms_invoice`, Adyen
 * `invoiceRef`, PayPal, Square and Braintree `invoice_id`).
 */
function retryMetadata(chain: RetryRow, key: string, slot: number): Record<string, string> {
  const invoice = chain.invoiceRef
  return {
    yms_retry_of: chain.txnId,
    yms_retry_key: key,
    yms_attempt: String(slot),
    yms_customer: chain.customerId,
    yms_site: chain.siteId,
    ...(invoice ? {yms_invoice: invoice, invoiceRef: invoice, invoice_id: invoice} : {}),
  }
}

export function retryRequest(
  chain: RetryRow,
  target: {customerRef: string; methodRef: string},
  seq: number,
  slot: number,
): CreatePaymentRequest {
  const key = retryKey(chain.txnId, seq)
  return {
    customerRef: target.customerRef,
    paymentMethodRef: target.methodRef,
    amount: chain.amount,
    idempotencyKey: key,
    metadata: retryMetadata(chain, key, slot),
  }
}
