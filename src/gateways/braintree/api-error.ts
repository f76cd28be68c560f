/** One `<error>` of an `<api-error-response>`: a validation code, the attribute it is about, and why. */
export interface BraintreeValidationError {
  code: string
  attribute: string
  message: string
}

/**
 * A non-2xx answer (or an unreadable one) from the Braintree API (docs/gateways.md#braintree-errors). Never carries
 * credentials or URLs, so it is safe to log and to show.
 */
export class BraintreeApiError extends Error {
  constructor(
    readonly status: number,
    readonly endpoint: string,
    message: string,
    readonly errors: readonly BraintreeValidationError[] = [],
  ) {
    super(`Braintree ${endpoint} answered ${status}: ${message}`)
    this.name = 'BraintreeApiError'
  }
}
