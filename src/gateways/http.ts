import {randomUUID} from 'node:crypto'

import {request as undiciRequest, type Dispatcher} from 'undici'

import type {Clock, GatewayCall, HttpClient, HttpRequest, HttpResponse} from './types.js'

/**
 * MINIMAL first cut: one attempt, timeout, call log. The full client (backoff with jitter, Retry-After,
 * Stripe-Should-Retry, circuit breaker) replaces the body of `request` without changing this API.
 */
export interface HttpClientOptions {
  provider: string
  baseUrl: string
  idempotencyHeader: string | null
  timeoutMs?: number
  maxRetries?: number
  clock?: Clock
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
  recordCall?: (call: GatewayCall) => void
  dispatcher?: Dispatcher
  userAgent?: string
}

export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network_error',
    options?: {cause?: unknown},
  ) {
    super(message, options)
    this.name = 'TransportError'
  }
}

export class CircuitOpenError extends Error {
  constructor(readonly provider: string, readonly retryAtMs: number) {
    super(`circuit open for ${provider}: too many consecutive failures; next probe at ${new Date(retryAtMs).toISOString()}`)
    this.name = 'CircuitOpenError'
  }
}

function buildUrl(baseUrl: string, req: HttpRequest): URL {
  const url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(baseUrl.replace(/\/$/, '') + req.path)
  for (const [key, value] of Object.entries(req.query ?? {})) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v)
    else url.searchParams.set(key, String(value))
  }
  return url
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const clock = opts.clock ?? {now: () => Date.now()}
  return {
    async request(req, signal) {
      const headers: Record<string, string> = {'user-agent': opts.userAgent ?? 'yms-pay', ...req.headers}
      if (req.method === 'POST' && opts.idempotencyHeader) headers[opts.idempotencyHeader] = req.idempotencyKey ?? randomUUID()
      const started = clock.now()
      const timeout = AbortSignal.timeout(req.timeoutMs ?? opts.timeoutMs ?? 30_000)
      try {
        const res = await undiciRequest(buildUrl(opts.baseUrl, req), {
          method: req.method,
          headers,
          body: req.body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          dispatcher: opts.dispatcher,
        })
        const body = Buffer.from(await res.body.arrayBuffer())
        const out: HttpResponse = {
          status: res.statusCode,
          headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v)])),
          body,
          text: () => body.toString('utf8'),
          json: () => JSON.parse(body.toString('utf8')) as unknown,
        }
        opts.recordCall?.({provider: opts.provider, endpoint: req.endpoint, method: req.method, status: res.statusCode, durationMs: clock.now() - started, outcome: res.statusCode < 400 ? 'ok' : res.statusCode === 429 ? 'rate_limited' : 'http_error', attempt: 1, at: started})
        return out
      } catch (error) {
        const kind = timeout.aborted ? 'timeout' : 'network_error'
        opts.recordCall?.({provider: opts.provider, endpoint: req.endpoint, method: req.method, status: null, durationMs: clock.now() - started, outcome: kind, attempt: 1, at: started})
        throw new TransportError(`${req.endpoint}: ${kind === 'timeout' ? 'timed out' : (error as Error).message}`, kind, {cause: error})
      }
    },
  }
}
