/**
 * Which outcomes of one attempt are worth another attempt. Pure.
 *
 * Follows stripe-node's RequestSender._shouldRetry: connection problems, 409 (lock timeouts and "idempotent
 * request still in flight"), 429 and 5xx; a gateway's own retry-hint header (GatewayFacts.retryHintHeader) wins
 * over the status in both directions (a `false` on a 500 whose outcome is stored under the idempotency key:
 * a replay would only return the same 500).
 */
export type TransportReason = 'timeout' | 'refused' | 'reset' | 'truncated_body' | 'dns' | 'too_large' | 'other'

export function defaultRetryableStatus(status: number): boolean {
  return status === 409 || status === 429 || status >= 500
}

export function shouldRetryStatus(
  status: number,
  headers: Readonly<Record<string, string>>,
  retryableStatus: (status: number) => boolean,
  hintHeader: string | null,
): boolean {
  const hint = hintHeader === null ? undefined : headers[hintHeader]
  if (hint === 'true') return true
  if (hint === 'false') return false
  return retryableStatus(status)
}

/**
 * Whether the gateway may have acted on a request that failed this way. A refused connection or DNS failure
 * never reached it; a 429 is turned away before the gateway's idempotency layer. Everything else is ambiguous.
 */
export function failureMayHaveReachedGateway(failure: {status: number} | {reason: TransportReason}): boolean {
  if ('status' in failure) return failure.status !== 429
  return failure.reason !== 'refused' && failure.reason !== 'dns'
}

export function shouldRetryTransport(reason: TransportReason): boolean {
  // An oversized body is a property of the resource, not a transient fault.
  return reason !== 'too_large'
}
