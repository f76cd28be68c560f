import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'

/**
 * PayPal-Request-Id: a repeated key gets the first request's response (docs/gateways.md#paypal-idempotency).
 * Server errors are not kept: they settled nothing.
 */
export function createReplayCache(): (req: EmulatorRequest, run: () => EmulatorResponse) => EmulatorResponse {
  const replays = new Map<string, EmulatorResponse>() // path + PayPal-Request-Id -> first response
  return (req, run) => {
    const key = req.headers['paypal-request-id']
    if (!key) return run()
    const scoped = `${req.path}:${key}`
    const seen = replays.get(scoped)
    if (seen) return seen
    const response = run()
    if (response.status < 500) replays.set(scoped, response)
    return response
  }
}
