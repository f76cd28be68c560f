/**
 * An error response from Stripe's API (docs/gateways.md#stripe-errors). Carries only what Stripe sent about the
 * request — never the request's credentials — so it is safe to log and to show.
 */
export class StripeApiError extends Error {
  readonly status: number
  readonly type: string | null
  readonly code: string | null
  readonly declineCode: string | null
  readonly adviceCode: string | null
  /** The network's own decline and advice codes, and the card's brand, when Stripe passes them on (a card_error). */
  readonly networkDeclineCode: string | null
  readonly networkAdviceCode: string | null
  readonly cardBrand: string | null
  readonly param: string | null
  readonly requestId: string | null
  readonly shouldRetry: boolean | null

  constructor(
    message: string,
    details: {
      status: number
      type?: string | null
      code?: string | null
      declineCode?: string | null
      adviceCode?: string | null
      networkDeclineCode?: string | null
      networkAdviceCode?: string | null
      cardBrand?: string | null
      param?: string | null
      requestId?: string | null
      shouldRetry?: boolean | null
    },
  ) {
    super(message)
    this.name = 'StripeApiError'
    this.status = details.status
    this.type = details.type ?? null
    this.code = details.code ?? null
    this.declineCode = details.declineCode ?? null
    this.adviceCode = details.adviceCode ?? null
    this.networkDeclineCode = details.networkDeclineCode ?? null
    this.networkAdviceCode = details.networkAdviceCode ?? null
    this.cardBrand = details.cardBrand ?? null
    this.param = details.param ?? null
    this.requestId = details.requestId ?? null
    this.shouldRetry = details.shouldRetry ?? null
  }
}
