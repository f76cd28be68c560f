import type {IncomingMessage} from 'node:http'

export type BodyResult =
  | {ok: true; body: Buffer}
  | {ok: false; status: 408 | 413; reason: string}
  /** The sender went away before the body was complete: there is nobody to answer. */
  | {ok: false; status: null; reason: string}

/**
 * Reads a request body of at most `limit` bytes within `timeoutMs` of the call. A declared Content-Length over the
 * limit is refused before a byte is read; a body that grows past it, or arrives too slowly (a slow-drip sender
 * holding a connection), is refused as soon as that is known. The caller closes the connection after a refusal,
 * since the rest of the body is never read.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit)
    return Promise.resolve({
      ok: false,
      status: 413,
      reason: `body of ${declared} bytes is over the ${limit}-byte limit`,
    })
  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (result: BodyResult): void => {
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onGone)
      req.off('aborted', onGone)
      if (!result.ok) req.pause()
      resolve(result)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) finish({ok: false, status: 413, reason: `body is over the ${limit}-byte limit`})
      else chunks.push(chunk)
    }
    const onEnd = (): void => finish({ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)})
    const onGone = (): void => finish({ok: false, status: null, reason: 'the sender closed the connection mid-body'})
    const timer = setTimeout(
      () => finish({ok: false, status: 408, reason: `body not complete within ${timeoutMs} ms`}),
      timeoutMs,
    )
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onGone)
    req.on('aborted', onGone)
  })
}
