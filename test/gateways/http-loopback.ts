import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

/** A real HTTP server on 127.0.0.1:0 that plays one scripted behaviour per request and records what arrived. */
export interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

export type Behaviour = (req: IncomingMessage, res: ServerResponse) => void

export interface Loopback {
  baseUrl: string
  received: Received[]
  close(): Promise<void>
}

/** Behaviours are used in order; the last one repeats. */
export async function loopback(script: Behaviour[]): Promise<Loopback> {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      const behaviour = script[Math.min(received.length, script.length) - 1]
      behaviour?.(req, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export const json =
  (status: number, body: unknown = {}, headers: Record<string, string> = {}): Behaviour =>
  (_req, res) => {
    const text = JSON.stringify(body)
    res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers})
    res.end(text)
  }

/** Never answers. */
export const hang: Behaviour = () => {}

/** Sends headers and part of the body, then stalls. */
export const stallBody: Behaviour = (_req, res) => {
  res.writeHead(200, {'content-type': 'application/json', 'content-length': '100'})
  res.write('{"partial":')
}

/** Kills the connection without a response. */
export const reset: Behaviour = (req) => {
  req.socket.destroy()
}

/** Promises 100 bytes, sends 10, then kills the connection. */
export const truncate: Behaviour = (_req, res) => {
  res.writeHead(200, {'content-type': 'application/json', 'content-length': '100'})
  res.write('{"id":"ab"', () => setTimeout(() => res.socket?.destroy(), 10))
}

/** A clock that only moves when told, and a sleep that records the delay and advances the clock instead of waiting. */
export function fakeTime(start = Date.UTC(2024, 0, 1)) {
  let now = start
  const sleeps: number[] = []
  return {
    clock: {now: () => now},
    sleeps,
    advance(ms: number) {
      now += ms
    },
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason
      sleeps.push(ms)
      now += ms
    },
  }
}

/**
 * A client against a fresh loopback server with injected time, plus the calls it recorded. `servers` collects the
 * servers so each test file can close them in one afterEach.
 */
export async function clientAgainst(
  servers: Loopback[],
  script: Behaviour[],
  defaults: Pick<import('../../src/gateways/http.js').HttpClientOptions, 'provider' | 'idempotencyHeader'> &
    Partial<import('../../src/gateways/http.js').HttpClientOptions>,
  overrides: Partial<import('../../src/gateways/http.js').HttpClientOptions> = {},
) {
  const {createHttpClient} = await import('../../src/gateways/http.js')
  const server = await loopback(script)
  servers.push(server)
  const time = fakeTime()
  const calls: import('../../src/core/gateway-call.js').GatewayCall[] = []
  const client = createHttpClient({
    baseUrl: server.baseUrl,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    recordCall: (c) => calls.push(c),
    ...defaults,
    ...overrides,
  })
  return {client, time, calls, received: server.received}
}
