import type {PaypalErrorBody} from './schema.js'

/**
 * A non-2xx answer from PayPal that is not an authentication failure (docs/gateways.md#paypal-errors). Carries
 * only what PayPal sent about the request (name, issue, debug_id), never the token, so it is safe to log.
 */
export class PaypalApiError extends Error {
  constructor(
    readonly status: number,
    readonly endpoint: string,
    readonly body: PaypalErrorBody | null,
  ) {
    const issue = body?.details?.[0]?.issue
    super(
      `PayPal ${endpoint} answered ${status}${body ? `: ${body.name}${issue ? `/${issue}` : ''}${body.debug_id ? ` (debug_id ${body.debug_id})` : ''}` : ''}`,
    )
    this.name = 'PaypalApiError'
  }

  /** The most specific code PayPal gave: the first detail's issue, else the error name. */
  get code(): string | undefined {
    return this.body?.details?.[0]?.issue ?? this.body?.name
  }
}
