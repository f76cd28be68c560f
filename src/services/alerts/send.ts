import {type Dispatcher, request} from 'undici'

/** One HTTP request an alert delivery makes. The URL may be a credential (Slack's): it never appears in errors. */
export interface Outgoing {
  url: string
  headers: Record<string, string>
  body: string
}

export type Answer =
  | {status: number; retryAfter: string | undefined}
  /** No response: timeout, refused connection, reset. `aborted`: our own stop signal, not the receiver's fault. */
  | {status: null; error: string; aborted: boolean}

/** The spec's advice is 15-30 s per attempt (docs/alerts.md#delivery). */
export const DEFAULT_TIMEOUT_MS = 15_000
// What is read of a receiver's answer before it is discarded: its body says nothing the delivery needs.
const MAX_ANSWER_BYTES = 64 * 1024

/**
 * POSTs one delivery with undici. Redirects are not followed (a 3xx is a failed attempt): a receiver that moved
 * must be re-registered, not silently handed the alert, its signature and its customer data.
 */
export async function post(
  out: Outgoing,
  opts: {timeoutMs?: number; signal?: AbortSignal; dispatcher?: Dispatcher} = {},
): Promise<Answer> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
  try {
    const res = await request(out.url, {
      method: 'POST',
      headers: out.headers,
      body: out.body,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      dispatcher: opts.dispatcher,
    })
    await res.body.dump({limit: MAX_ANSWER_BYTES}).catch(() => undefined)
    const retryAfter = res.headers['retry-after']
    return {status: res.statusCode, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter}
  } catch (error) {
    const aborted = opts.signal?.aborted === true
    if (timeout.aborted && !aborted) return {status: null, error: `no answer within ${timeoutMs} ms`, aborted}
    return {status: null, error: aborted ? 'stopped' : describe(error), aborted}
  }
}

/** The error's code and a short reason, never its message (which may quote the URL). */
function describe(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as {code?: unknown}).code
    if (typeof code === 'string') return `connection failed (${code})`
  }
  return `connection failed (${error instanceof Error ? error.name : 'unknown error'})`
}
