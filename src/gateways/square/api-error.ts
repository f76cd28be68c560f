import type {SquareError} from './schema.js'

/**
 * A non-2xx answer from Square that is not an authentication failure, carrying Square's `errors[]`
 * (docs/gateways.md#square-errors). Holds only what Square sent, never the request's token.
 */
export class SquareApiError extends Error {
  constructor(
    readonly status: number,
    readonly endpoint: string,
    readonly errors: readonly SquareError[],
  ) {
    const first = errors[0]
    super(
      `Square ${endpoint} answered ${status}${first ? `: ${first.code}${first.detail ? ` (${first.detail})` : ''}` : ''}`,
    )
    this.name = 'SquareApiError'
  }

  get code(): string | undefined {
    return this.errors[0]?.code
  }
}
