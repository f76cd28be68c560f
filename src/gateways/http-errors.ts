import type {TransportReason} from './http-retry-policy.js'

/**
 * Errors of the gateway HTTP client. Messages name the provider and the endpoint LABEL only: never a URL
 * (ids, query strings), never request headers (credentials) or bodies.
 */
export class TransportError extends Error {
  /** What went wrong at the transport level; `kind` stays the coarse two-way split adapters switch on. */
  readonly reason: TransportReason
  /** Attempts made before giving up (1 = no retry). */
  readonly attempts: number
  /** The socket/undici error code, e.g. ECONNRESET, UND_ERR_SOCKET. */
  readonly code: string | undefined

  constructor(
    message: string,
    readonly kind: 'timeout' | 'network_error',
    options?: {cause?: unknown; reason?: TransportReason; attempts?: number; code?: string},
  ) {
    super(message, options?.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'TransportError'
    this.reason = options?.reason ?? (kind === 'timeout' ? 'timeout' : 'other')
    this.attempts = options?.attempts ?? 1
    this.code = options?.code
  }
}

export class CircuitOpenError extends Error {
  constructor(
    readonly provider: string,
    readonly retryAtMs: number,
  ) {
    super(
      `circuit open for ${provider}: too many consecutive failures; next probe at ${new Date(retryAtMs).toISOString()}`,
    )
    this.name = 'CircuitOpenError'
  }
}

/**
 * A copy of a low-level error keeping only name, code and message, so nothing an undici error object
 * might reference (sockets, request options) travels up with a TransportError.
 */
export function sanitizedCause(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error))
  const copy = new Error(error.message)
  copy.name = error.name
  const code = errorCode(error)
  if (code !== undefined) Object.assign(copy, {code})
  return copy
}

export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as {code?: unknown}).code
    if (typeof code === 'string') return code
  }
  return undefined
}
