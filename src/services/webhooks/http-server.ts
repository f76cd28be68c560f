import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

import {readBody} from './body.js'
import {type IncomingWebhook, type Reply} from './receive.js'
import {printable, type RefusalLog} from './refusals.js'

/**
 * The HTTP plumbing of `webhooks serve` (node:http): routes, limits and timeouts, and a drain that lets in-flight
 * requests finish. What a webhook means is receive.ts's business.
 */
export interface HttpLimits {
  maxBodyBytes: number
  /** Headers must be complete this long after the connection asks (slow senders hold sockets otherwise). */
  headersTimeoutMs: number
  /** The body must be complete this long after the headers. */
  bodyTimeoutMs: number
}

export interface HttpHandlers {
  webhook(req: IncomingWebhook): Promise<Reply>
  health(): {status: number; body: object}
  refusals: RefusalLog
  now: () => number
}

export interface HttpServer {
  url: string
  /** Stops taking connections, lets in-flight requests finish (answering later ones 503), then closes. */
  drain(deadlineMs: number): Promise<{forced: number}>
  inFlight(): number
}

const WEBHOOK_PATH = /^\/webhooks\/([^/]+)$/

export async function listen(host: string, port: number, limits: HttpLimits, h: HttpHandlers): Promise<HttpServer> {
  let draining = false
  let inFlight = 0
  let idle: () => void = () => undefined
  const sockets = new Set<Socket>()

  const server: Server = createServer({headersTimeout: limits.headersTimeoutMs}, (req, res) => {
    inFlight++
    res.on('close', () => {
      inFlight--
      if (inFlight === 0) idle()
    })
    void route(req, res).catch((error: unknown) => {
      if (!res.headersSent) write(res, {status: 500, contentType: 'text/plain', body: 'internal error'}, true)
      else res.destroy(error as Error)
    })
  })
  // The whole request (headers and body) as a backstop behind readBody's own, counted, body timeout.
  server.requestTimeout = limits.headersTimeoutMs + limits.bodyTimeoutMs + 1_000
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  // A request that is not HTTP, or whose headers did not arrive in time: counted like any refusal.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    if (error.code !== 'ECONNRESET')
      h.refusals.record(
        {provider: null, status: timedOut ? 408 : 400, reason: timedOut ? 'headers not complete in time' : 'not HTTP'},
        new Date(h.now()).toISOString(),
      )
    if (socket.writable)
      socket.end(`HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\nConnection: close\r\n\r\n`)
    socket.destroy()
  })

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = h.now()
    const path = new URL(req.url ?? '/', 'http://webhooks').pathname
    const refuse = (status: 404 | 405 | 503, reason: string, headers: Record<string, string> = {}): void => {
      h.refusals.record({provider: null, status, reason, subject: printable(path)}, new Date(h.now()).toISOString())
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
      write(res, {status, contentType: 'application/json', body: JSON.stringify({error: reason})}, true)
    }
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'method not allowed', {allow: 'GET'})
      const health = h.health()
      return write(
        res,
        {status: health.status, contentType: 'application/json', body: JSON.stringify(health.body)},
        draining,
      )
    }
    const match = WEBHOOK_PATH.exec(path)
    if (!match) return refuse(404, 'no such endpoint')
    if (req.method !== 'POST') return refuse(405, 'method not allowed', {allow: 'POST'})
    if (draining) return refuse(503, 'shutting down', {'retry-after': '5'})
    let bodyRead = false
    const reply = await h.webhook({
      providerId: safeDecode(match[1]!),
      headers: lowerHeaders(req),
      url: `http://${req.headers.host ?? 'localhost'}${req.url ?? path}`,
      receivedAt,
      readBody: async () => {
        const body = await readBody(req, limits.maxBodyBytes, limits.bodyTimeoutMs)
        bodyRead = body.ok
        return body
      },
    })
    // A refusal before (or instead of) reading the whole body leaves bytes on the socket: close it after answering.
    write(res, reply, draining || !bodyRead)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const {port: bound} = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    inFlight: () => inFlight,
    async drain(deadlineMs) {
      draining = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const quiet = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve))
      let forced = 0
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref())
      await Promise.race([quiet, deadline])
      if (inFlight > 0) {
        forced = inFlight
        for (const socket of sockets) socket.destroy()
      }
      server.closeIdleConnections()
      await closed
      return {forced}
    },
  }
}

function write(res: ServerResponse, reply: Reply, close: boolean): void {
  const body = Buffer.from(reply.body, 'utf8')
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': String(body.length),
    ...(close ? {connection: 'close'} : {}),
  })
  res.end(body)
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  return out
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
