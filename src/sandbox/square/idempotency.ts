import type {EmulatorResponse} from '../emulator.js'
import {invalid} from './responses.js'

/**
 * Square's body idempotency key (docs/gateways.md#square-idempotency): the same key with the same request
 * replays the first response; the same key with another request is IDEMPOTENCY_KEY_REUSED.
 */
export class IdempotencyKeys {
  private readonly seen = new Map<string, {request: string; response: EmulatorResponse}>()

  /** Runs `execute` once per key; `keep` says whether its response is remembered for replays. */
  answer(
    key: string,
    body: Record<string, unknown>,
    execute: () => EmulatorResponse,
    keep: (res: EmulatorResponse) => boolean,
  ): EmulatorResponse {
    const request = canonical(body)
    const previous = this.seen.get(key)
    if (previous) {
      if (previous.request === request) return previous.response
      return invalid(
        'IDEMPOTENCY_KEY_REUSED',
        'The idempotency key can only be retried with the same request data.',
        'idempotency_key',
      )
    }
    const response = execute()
    if (keep(response)) this.seen.set(key, {request, response})
    return response
  }
}

/** JSON with sorted keys: two bodies with the same fields in another order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}
