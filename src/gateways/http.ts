import {randomUUID} from 'node:crypto'

import type {Dispatcher} from 'undici'

import {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_CAP_MS,
  DEFAULT_MAX_RETRY_AFTER_MS,
  fullJitterDelayMs,
  parseRetryAfterMs,
} from './backoff.js'
import {CircuitBreaker, type CircuitPermit, type CircuitSnapshot, type CircuitState} from './circuit-breaker.js'
import {sendOnce} from './http-attempt.js'
import {CircuitOpenError, TransportError} from './http-errors.js'
import {
  defaultRetryableStatus,
  failureMayHaveReachedGateway,
  shouldRetryStatus,
  shouldRetryTransport,
  type TransportReason,
} from './http-retry-policy.js'
import {abortableSleep, abortReason} from './http-sleep.js'
import type {HttpClient, HttpRequest, HttpResponse} from './types.js'
import type {Clock} from '../core/clock.js'
import {cleartextProblem} from '../core/credential-urls.js'
import {ConfigError} from '../core/errors.js'
import type {GatewayCall} from '../core/gateway-call.js'

export {CircuitOpenError, TransportError} from './http-errors.js'
export type {CircuitSnapshot, CircuitState} from './circuit-breaker.js'
export type {TransportReason} from './http-retry-policy.js'

/**
 * The one HTTP client every gateway adapter uses (modelled on stripe-node's RequestSender): per-attempt
 * timeout over headers and body, retries with capped exponential backoff and full jitter, Retry-After and
 * the gateway's own retry hint, one idempotency key reused by every retry of a POST, a per-provider circuit breaker,
 * and one call-log record per attempt for the uptime metric.
 */
export interface HttpClientOptions {
  provider: string
  baseUrl: string
  /** Header carrying the idempotency key on POSTs, or null when the gateway takes it in the body / has none. */
  idempotencyHeader: string | null
  /** Per attempt, covering connect, headers and body. Default 30 s; a request's own `timeoutMs` wins. */
  timeoutMs?: number
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number
  clock?: Clock
  /** Must reject promptly when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Uniform in [0, 1). */
  random?: () => number
  recordCall?: (call: GatewayCall) => void
  dispatcher?: Dispatcher
  userAgent?: string
  /** Backoff base (first retry waits up to this). Default 500 ms. */
  retryBaseDelayMs?: number
  /** Backoff cap. Default 5 s. */
  retryMaxDelayMs?: number
  /** A longer Retry-After is not waited for: the response is returned. Default 60 s. */
  maxRetryAfterMs?: number
  /** Statuses retried when no retry-hint header decides. Default: 409, 429, 5xx. */
  retryableStatus?: (status: number) => boolean
  /** A response header (lower case) in which the gateway says `true`/`false` to a retry, winning over the status. */
  retryHintHeader?: string | null
  /**
   * Whether a POST is retried after a failure the gateway may already have acted on (timeout, reset,
   * truncated body, 5xx, 409). Default true: safe when the idempotency key travels with it (header or body).
   * Set false for a gateway with no idempotency at all (Braintree), where a blind retry can charge twice;
   * refused connections, DNS failures and 429s are retried either way.
   */
  retryAmbiguousPosts?: boolean
  /** Consecutive failed requests (transport errors, 5xx, 429 once retries are spent) that open the breaker. Default 5. */
  circuitFailureThreshold?: number
  /** How long an open breaker fails fast before one probe is let through. Default 30 s. */
  circuitCoolDownMs?: number
  /** Default `yms-pay-<uuid v4>` (45 characters: within Stripe's 255 and Adyen's 64). */
  generateIdempotencyKey?: () => string
  /** Larger responses fail with TransportError reason 'too_large' (not retried). Default 64 MiB. */
  maxResponseBytes?: number
}

export interface GatewayHttpClient extends HttpClient {
  /** The breaker's state, for `status`/health reports. */
  state(): CircuitState
  circuit(): CircuitSnapshot
}

const realClock: Clock = {now: () => Date.now()}

function buildUrl(baseUrl: string, req: HttpRequest): URL {
  const url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(baseUrl.replace(/\/$/, '') + req.path)
  for (const [key, value] of Object.entries(req.query ?? {})) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v)
    else url.searchParams.set(key, String(value))
  }
  return url
}

/**
 * Every request carries credentials (a header, a Basic pair, a bearer token): none goes out over plain http to another
 * machine, whatever the URL's origin (a base URL stored before add refused it, a setting, a report link).
 */
function refuseCleartext(provider: string, endpoint: string, url: URL): void {
  const problem = cleartextProblem(url)
  if (problem)
    throw new ConfigError(
      `${provider} ${endpoint}: request not sent: ${problem}`,
      `Give provider ${provider} https URLs (its base URL, and URL settings such as report_base_url).`,
      'cleartext_refused',
    )
}

function outcomeOf(status: number, expected: readonly number[] = []): GatewayCall['outcome'] {
  if (status < 400 || expected.includes(status)) return 'ok'
  return status === 429 ? 'rate_limited' : 'http_error'
}

const REASON_TEXT: Record<TransportReason, string> = {
  timeout: 'timed out',
  refused: 'connection refused',
  reset: 'connection reset',
  truncated_body: 'response body cut short',
  dns: 'host name not resolved',
  too_large: 'response too large',
  other: 'network error',
}

export function createHttpClient(opts: HttpClientOptions): GatewayHttpClient {
  const clock = opts.clock ?? realClock
  const sleep = opts.sleep ?? abortableSleep
  const random = opts.random ?? Math.random
  const maxRetries = opts.maxRetries ?? 2
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError('maxRetries must be a non-negative integer')
  const backoff = {
    baseMs: opts.retryBaseDelayMs ?? DEFAULT_BACKOFF_BASE_MS,
    capMs: opts.retryMaxDelayMs ?? DEFAULT_BACKOFF_CAP_MS,
  }
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS
  const retryableStatus = opts.retryableStatus ?? defaultRetryableStatus
  const retryAmbiguousPosts = opts.retryAmbiguousPosts ?? true
  const newKey = opts.generateIdempotencyKey ?? (() => `yms-pay-${randomUUID()}`)
  const maxResponseBytes = opts.maxResponseBytes ?? 64 * 1024 * 1024
  const breaker = new CircuitBreaker({
    clock,
    failureThreshold: opts.circuitFailureThreshold,
    coolDownMs: opts.circuitCoolDownMs,
  })

  const record = (
    req: HttpRequest,
    call: Pick<GatewayCall, 'status' | 'durationMs' | 'outcome' | 'attempt' | 'at'>,
  ): void => {
    opts.recordCall?.({provider: opts.provider, endpoint: req.endpoint, method: req.method, ...call})
  }

  function headersFor(req: HttpRequest): Record<string, string> {
    const headers: Record<string, string> = {'user-agent': opts.userAgent ?? 'yms-pay'}
    for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value
    if (req.method === 'POST' && opts.idempotencyHeader) {
      const name = opts.idempotencyHeader.toLowerCase()
      // Decided once per logical request, before the first attempt, so every retry carries the same key.
      headers[name] = req.idempotencyKey ?? headers[name] ?? newKey()
    }
    return headers
  }

  async function attemptAll(
    req: HttpRequest,
    permit: CircuitPermit,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const url = buildUrl(opts.baseUrl, req)
    const headers = headersFor(req)
    const timeoutMs = req.timeoutMs ?? opts.timeoutMs ?? 30_000
    const ambiguousRetryAllowed = req.method !== 'POST' || retryAmbiguousPosts || req.readOnly === true
    for (let attempt = 1; ; attempt++) {
      const at = clock.now()
      const result = await sendOnce({
        url,
        method: req.method,
        headers,
        body: req.body,
        timeoutMs,
        maxResponseBytes,
        signal,
        dispatcher: opts.dispatcher,
      })
      const durationMs = clock.now() - at
      const retriesLeft = attempt <= maxRetries
      let delayMs: number
      if (result.ok) {
        const {response} = result
        record(req, {
          status: response.status,
          durationMs,
          outcome: outcomeOf(response.status, req.expectedStatuses),
          attempt,
          at,
        })
        const retry =
          retriesLeft &&
          shouldRetryStatus(response.status, response.headers, retryableStatus, opts.retryHintHeader ?? null) &&
          (ambiguousRetryAllowed || !failureMayHaveReachedGateway({status: response.status}))
        const retryAfterMs = retry ? parseRetryAfterMs(response.headers['retry-after'], clock.now()) : null
        if (!retry || (retryAfterMs !== null && retryAfterMs > maxRetryAfterMs)) {
          if (response.status >= 500 || response.status === 429) permit.failure()
          else permit.success()
          return response
        }
        delayMs = retryAfterMs ?? fullJitterDelayMs(attempt - 1, backoff, random)
      } else {
        record(req, {
          status: null,
          durationMs,
          outcome: result.reason === 'timeout' ? 'timeout' : 'network_error',
          attempt,
          at,
        })
        const retry =
          retriesLeft &&
          shouldRetryTransport(result.reason) &&
          (ambiguousRetryAllowed || !failureMayHaveReachedGateway({reason: result.reason}))
        if (!retry) {
          // An oversized body says nothing about the gateway's health.
          if (result.reason === 'too_large') permit.cancel()
          else permit.failure()
          throw new TransportError(
            `${opts.provider} ${req.endpoint}: ${REASON_TEXT[result.reason]}${result.reason === 'timeout' ? ` after ${timeoutMs} ms` : ''} (attempt ${attempt} of ${maxRetries + 1})`,
            result.reason === 'timeout' ? 'timeout' : 'network_error',
            {cause: result.cause, reason: result.reason, attempts: attempt, code: result.code},
          )
        }
        delayMs = fullJitterDelayMs(attempt - 1, backoff, random)
      }
      await sleep(delayMs, signal)
    }
  }

  return {
    async request(req, signal) {
      if (signal?.aborted) throw abortReason(signal)
      refuseCleartext(opts.provider, req.endpoint, buildUrl(opts.baseUrl, req))
      const admission = breaker.admit()
      if (!admission.admitted) {
        record(req, {status: null, durationMs: 0, outcome: 'circuit_open', attempt: 1, at: clock.now()})
        throw new CircuitOpenError(opts.provider, admission.retryAtMs)
      }
      try {
        return await attemptAll(req, admission.permit, signal)
      } finally {
        // Reached unsettled only when the caller aborted (or a bad URL threw): neither a success nor a failure.
        admission.permit.cancel()
      }
    },
    state: () => breaker.state(),
    circuit: () => breaker.snapshot(),
  }
}
