import {createHttpClient, type HttpClientOptions} from '../../../src/gateways/http.js'
import {
  createPaypalEmulator,
  type PaypalEmulator,
  type PaypalEmulatorOptions,
} from '../../../src/sandbox/paypal/emulator.js'
import {adapter as paypalAdapter} from '../../../src/gateways/paypal/client.js'
import type {Skipped} from '../../../src/core/transaction.js'
import type {GatewayClient} from '../../../src/gateways/types.js'
import type {Clock} from '../../../src/core/clock.js'
import type {Cursor} from '../../../src/core/cursor.js'
import type {GatewayCall} from '../../../src/core/gateway-call.js'
import type {NormalizedTxn, Quarantined} from '../../../src/core/transaction.js'
import {
  serveHandler,
  type EmulatorRequest,
  type RequestHandler,
  type RunningServer,
} from '../../../src/sandbox/emulator.js'

/** A PayPal emulator on loopback and an adapter client talking to it over real HTTP. */
export interface Harness {
  emulator: PaypalEmulator
  server: RunningServer
  client: GatewayClient
  calls: GatewayCall[]
  requests: EmulatorRequest[]
  close(): Promise<void>
}

export async function startHarness(
  opts: Omit<PaypalEmulatorOptions, 'clock'> & {clock: Clock},
  extra: {
    wrap?: (emulator: PaypalEmulator) => RequestHandler
    http?: Partial<HttpClientOptions>
    settings?: Record<string, string>
    secrets?: Record<string, string>
  } = {},
): Promise<Harness> {
  const emulator = createPaypalEmulator(opts)
  const requests: EmulatorRequest[] = []
  const inner: RequestHandler = extra.wrap ? extra.wrap(emulator) : async (req) => emulator.handle(req)
  const server = await serveHandler(async (req, raw) => {
    requests.push(req)
    return inner(req, raw)
  })
  const calls: GatewayCall[] = []
  const http = createHttpClient({
    provider: 'pp1',
    baseUrl: server.baseUrl,
    idempotencyHeader: paypalAdapter.idempotencyHeader,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    recordCall: (c) => calls.push(c),
    ...extra.http,
  })
  const client = paypalAdapter.connect(
    {
      providerId: 'pp1',
      baseUrl: server.baseUrl,
      settings: extra.settings ?? {...emulator.settings},
      secrets: extra.secrets ?? {...emulator.secrets},
    },
    {http, clock: opts.clock},
  )
  return {emulator, server, client, calls, requests, close: () => server.close()}
}

export interface SyncResult {
  items: NormalizedTxn[]
  invalid: Quarantined[]
  /** Rows seen but not posted (Page.skipped). */
  skipped: Skipped[]
  cursor: Cursor
  pages: number
  errors: number
}

/** Runs one sync cycle the way the core does: a failed page is retried with the same cursor. */
export async function syncOnce(
  client: GatewayClient,
  cursor: Cursor | null,
  since?: string,
  maxErrors = 0,
): Promise<SyncResult> {
  const items: NormalizedTxn[] = []
  const invalid: Quarantined[] = []
  const skipped: Skipped[] = []
  let pages = 0
  let errors = 0
  for (;;) {
    let page
    try {
      page = await client.fetchPage(cursor, undefined, since ? {since} : undefined)
    } catch (error) {
      if (++errors > maxErrors) throw error
      continue
    }
    pages++
    items.push(...page.items.map((i) => i.txn))
    invalid.push(...page.invalid)
    skipped.push(...(page.skipped ?? []))
    cursor = page.next
    if (!page.hasMore) return {items, invalid, skipped, cursor, pages, errors}
  }
}

/** Customer transactions only: what the scenario truth (src/sandbox/truth.ts) describes. */
export function customerTxns(items: readonly NormalizedTxn[]): NormalizedTxn[] {
  return items.filter((t) => t.type === 'payment' || t.type === 'refund' || t.type === 'dispute')
}
