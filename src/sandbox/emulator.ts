import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import type {GatewayKind} from '../gateways/registry.js'
import type {Decision} from '../core/transaction.js'
import type {Clock} from '../core/clock.js'
import type {ProcessorBalance} from './balance.js'
import type {ChargeScript} from './charge-rules.js'
import type {DeclineReason, Scenario, ScenarioEvent} from './model.js'

/**
 * A gateway emulator is a pure request handler over the scenario: src/gateways/<kind>/emulator.ts.
 * This file owns the plumbing every emulator shares (the loopback HTTP server); fault injection and webhook
 * delivery wrap it, so a gateway's emulator only speaks its wire format.
 */
export interface EmulatorRequest {
  method: string
  path: string // pathname, no query
  query: URLSearchParams
  headers: Record<string, string> // lower-case names
  rawBody: Buffer
}

export interface EmulatorResponse {
  status: number
  headers?: Record<string, string>
  body: string | Buffer
  /**
   * The gateway processed the request but its answer is lost on the way (a scripted charge, charge-rules.ts):
   * `timeout`, never answered (the client gives up); `reset`, the connection is reset.
   */
  lost?: 'timeout' | 'reset'
}

/** A webhook exactly as the gateway would POST it. `dedupId` is what the receiver de-duplicates on. */
export interface SignedWebhook {
  at: string
  dedupId: string
  headers: Record<string, string>
  body: string
}

export interface EmulatorOptions {
  scenario: Scenario
  /** 'own': the payments assigned to this gateway; 'all': every payment (the cross-gateway test). */
  share: 'own' | 'all'
  /** Objects whose time is after clock.now() are not visible yet. */
  clock: Clock
  /** Where the emulator is served, once the port is bound (for absolute URLs it hands out, e.g. cert URLs). */
  baseUrl?: string
  /** Scripted outcomes of the charges this emulator receives (charge-rules.ts); none: its own behaviour. */
  charges?: ChargeScript
}

export interface GatewayEmulator {
  kind: GatewayKind
  /** The credentials this emulator accepts, by secret field name (e.g. api_key, webhook_secret). */
  secrets: Record<string, string>
  /** Non-secret settings a provider needs to talk to it (merchant_account, location_id, …). */
  settings: Record<string, string>
  handle(req: EmulatorRequest): EmulatorResponse | Promise<EmulatorResponse>
  /** Webhooks announcing these events, signed as the gateway signs them for a receiver at `targetUrl`. */
  webhooks(events: readonly ScenarioEvent[], targetUrl: string): SignedWebhook[]
  /**
   * Optional: webhooks the gateway sends on its own schedule rather than for a payment (Adyen's REPORT_AVAILABLE
   * when a settlement batch closes), for times in (fromMs, toMs].
   */
  scheduledWebhooks?(fromMs: number, toMs: number, targetUrl: string): SignedWebhook[]
  /** The gateway's own id for a scenario object (payment / refund / dispute key). */
  externalId(object: 'payment' | 'refund' | 'dispute', key: string): string
  /** The gateway's code for a neutral decline reason and the decision its adapter must classify it as. */
  declineFor(reason: DeclineReason): {code: string; decision: Decision}
  /**
   * Optional: false exempts a request from sandbox fault injection (src/sandbox/faults.ts). Default: every
   * request may fail, the token endpoint included, as real gateways' do.
   */
  faultable?(req: EmulatorRequest): boolean
  /**
   * Optional: the merchant's balance at the processor per currency at clock.now(), from what this emulator serves
   * (src/sandbox/balance.ts): what a synced ledger's clearing and fee accounts must equal.
   */
  processorBalance?(): ProcessorBalance[]
}

export type EmulatorFactory = (opts: EmulatorOptions) => GatewayEmulator

export interface RunningServer {
  baseUrl: string
  close(): Promise<void>
}

export type RequestHandler = (
  req: EmulatorRequest,
  raw: {req: IncomingMessage; res: ServerResponse},
) => Promise<EmulatorResponse | null>

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

/** Ends the connection with a TCP reset where Node can, else by destroying the socket. */
export function resetSocket(res: ServerResponse): void {
  const socket = res.socket as (import('node:net').Socket & {resetAndDestroy?: () => void}) | null
  if (socket?.resetAndDestroy) socket.resetAndDestroy()
  else res.destroy()
}

/**
 * Serves a handler on loopback. A handler that returns null has written the raw response itself
 * (fault injection: resets, truncation, hangs).
 */
export async function serveHandler(
  handler: RequestHandler,
  opts: {host?: string; port?: number} = {},
): Promise<RunningServer> {
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://emulator')
        const request: EmulatorRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: lowerHeaders(req),
          rawBody: await readBody(req),
        }
        const response = await handler(request, {req, res})
        if (response === null) return
        if (response.lost === 'reset') return resetSocket(res)
        // Never answered: the client's timeout ends it, or close() destroys the socket.
        if (response.lost === 'timeout') return
        const body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body
        res.writeHead(response.status, {'content-length': String(body.length), ...response.headers})
        res.end(body)
      } catch (error) {
        if (!res.headersSent) res.writeHead(500, {'content-type': 'text/plain'})
        res.end(`emulator error: ${(error as Error).message}`)
      }
    })()
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const {port} = server.address() as AddressInfo
  return {
    baseUrl: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Serves an emulator without faults (tests of wire fidelity). */
export function serveEmulator(
  emulator: GatewayEmulator,
  opts: {host?: string; port?: number} = {},
): Promise<RunningServer> {
  return serveHandler(async (req) => emulator.handle(req), opts)
}
