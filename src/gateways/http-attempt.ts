import {request as undiciRequest, type Dispatcher} from 'undici'

import {errorCode, sanitizedCause} from './http-errors.js'
import type {TransportReason} from './http-retry-policy.js'
import {abortReason} from './http-sleep.js'
import type {HttpResponse} from './types.js'
import type {HttpMethod} from '../core/gateway-call.js'

/** One HTTP exchange: no retries, no bookkeeping. */
export interface AttemptInput {
  url: URL
  method: HttpMethod
  headers: Record<string, string>
  body: string | Buffer | undefined
  /** Covers connecting, the headers AND the whole body. */
  timeoutMs: number
  maxResponseBytes: number
  signal: AbortSignal | undefined
  dispatcher: Dispatcher | undefined
}

export type AttemptResult =
  {ok: true; response: HttpResponse} | {ok: false; reason: TransportReason; code: string | undefined; cause: Error}

/** Resolves with a response or a transport failure; rejects only when the caller's signal aborts. */
export async function sendOnce(input: AttemptInput): Promise<AttemptResult> {
  // An injected sleep may not watch the signal; an abort between attempts must still stop here.
  if (input.signal?.aborted) throw abortReason(input.signal)
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new Error(`timed out after ${input.timeoutMs} ms`))
  }, input.timeoutMs)
  const onCallerAbort = (): void => controller.abort(abortReason(input.signal as AbortSignal))
  input.signal?.addEventListener('abort', onCallerAbort, {once: true})
  let phase: 'headers' | 'body' = 'headers'
  try {
    const res = await undiciRequest(input.url, {
      method: input.method,
      headers: input.headers,
      body: input.body,
      signal: controller.signal,
      dispatcher: input.dispatcher,
    })
    phase = 'body'
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > input.maxResponseBytes) {
        res.body.destroy()
        return {
          ok: false,
          reason: 'too_large',
          code: undefined,
          cause: new Error(`response larger than ${input.maxResponseBytes} bytes`),
        }
      }
      chunks.push(chunk)
    }
    const body = Buffer.concat(chunks)
    return {ok: true, response: toResponse(res.statusCode, res.headers, body)}
  } catch (error) {
    if (input.signal?.aborted) throw abortReason(input.signal)
    if (timedOut)
      return {ok: false, reason: 'timeout', code: undefined, cause: new Error(`timed out after ${input.timeoutMs} ms`)}
    const code = errorCode(error)
    return {ok: false, reason: classify(code, phase), code, cause: sanitizedCause(error)}
  } finally {
    clearTimeout(timer)
    input.signal?.removeEventListener('abort', onCallerAbort)
  }
}

function classify(code: string | undefined, phase: 'headers' | 'body'): TransportReason {
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return 'timeout'
  // Headers arrived, the body did not finish (content-length not reached, chunked stream cut).
  if (phase === 'body') return 'truncated_body'
  if (code === 'ECONNREFUSED') return 'refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns'
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
    return 'reset'
  return 'other'
}

function toResponse(status: number, raw: Record<string, string | string[] | undefined>, body: Buffer): HttpResponse {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return {
    status,
    headers,
    body,
    text: () => body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  }
}
