import type {Clock} from '../../core/clock.js'
import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'

/**
 * PayPal-Request-Id: a repeated key gets the first request's response (docs/gateways.md#paypal-idempotency) for
 * as long as Orders v2 keeps keys, 6 hours; after that the same key makes a new order. Server errors are not kept:
 * they settled nothing.
 */
const ORDERS_KEY_RETENTION_MS = 6 * 3_600_000

export function createReplayCache(
  clock: Clock,
): (req: EmulatorRequest, run: () => EmulatorResponse) => EmulatorResponse {
  const replays = new Map<string, {response: EmulatorResponse; atMs: number}>() // path + PayPal-Request-Id -> first
  return (req, run) => {
    const key = req.headers['paypal-request-id']
    if (!key) return run()
    const scoped = `${req.path}:${key}`
    const seen = replays.get(scoped)
    if (seen && clock.now() - seen.atMs < ORDERS_KEY_RETENTION_MS) return seen.response
    const response = run()
    if (response.status < 500) replays.set(scoped, {response, atMs: clock.now()})
    return response
  }
}
