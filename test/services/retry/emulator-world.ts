import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import type {Decision, NormalizedTxn} from '../../../src/core/transaction.js'
import type {GatewayKind} from '../../../src/gateways/registry.js'
import {serveHandler, type GatewayEmulator, type RequestHandler} from '../../../src/sandbox/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import type {Scenario, ScenarioCustomer} from '../../../src/sandbox/model.js'
import {loadEmulator} from '../../../src/sandbox/registry.js'
import {envVarName} from '../../../src/secrets/index.js'
import {addProvider} from '../../../src/services/providers.js'
import {importPaymentMethods} from '../../../src/services/retry/methods.js'
import {runRetries, type RetryRunOptions, type RetryRunResult} from '../../../src/services/retry/run.js'
import {applyItems, serializeItems} from '../../../src/services/sync/apply.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {listGrants} from '../../../src/store/repos/grants.js'
import {type LedgerHandle, sqliteHandle} from '../../../src/store/ops/ledger-handle.js'
import {copiedToPostgres, type CopiedLedger} from '../../helpers/copied-to-postgres.js'
import type {TestPostgres} from '../../helpers/postgres.js'
import {importWorld, testContext} from '../../helpers/sync-world.js'

/**
 * The retry engine against the gateway emulators: every emulator of one scenario on loopback (each renders every
 * customer, so any of them can be a primary or a fallback), behind faults that strike AFTER the emulator has acted
 * on a request (the answer is lost: a timeout, a reset, a cut body) or before (a 500). Every request and the
 * emulator's own answer are recorded, so a test can count the charges each gateway made, whatever reached us.
 */
export type AfterSendFault = '500' | 'reset-after' | 'timeout-after' | 'truncated'

export interface FaultPlan {
  /**
   * Which POSTs fail, cycled over a gateway's POSTs in order: 'F' fails, '.' passes. A run of three F is a request
   * whose every try fails (the client's two retries included): its outcome stays unknown. Deterministic, so every
   * gateway meets every kind of fault however few requests it gets.
   */
  pattern: string
  /** Taken in turn by the failing POSTs. */
  kinds: AfterSendFault[]
  /** How long a timeout-after fault keeps the connection open before dropping it (longer than the client waits). */
  holdMs: number
}

export const NO_FAULT: FaultPlan = {pattern: '.', kinds: [], holdMs: 0}

export interface Exchange {
  kind: GatewayKind
  method: string
  path: string
  headers: Record<string, string>
  body: string
  status: number
  response: string
}

export interface ServedGateway {
  kind: GatewayKind
  emulator: GatewayEmulator
  baseUrl: string
  exchanges: Exchange[]
  faults: Record<AfterSendFault, number>
  plan: FaultPlan
  close(): Promise<void>
}

function resetSocket(res: import('node:http').ServerResponse): void {
  const socket = res.socket as (import('node:net').Socket & {resetAndDestroy?: () => void}) | null
  if (socket?.resetAndDestroy) socket.resetAndDestroy()
  else res.destroy()
}

async function serveGateway(emulator: GatewayEmulator): Promise<ServedGateway> {
  let posts = 0
  let failing = 0
  const faults: Record<AfterSendFault, number> = {'500': 0, 'reset-after': 0, 'timeout-after': 0, truncated: 0}
  const served: ServedGateway = {
    kind: emulator.kind,
    emulator,
    baseUrl: '',
    exchanges: [],
    faults,
    plan: NO_FAULT,
    close: async () => undefined,
  }
  const handler: RequestHandler = async (req, raw) => {
    const plan = served.plan
    const fails = req.method === 'POST' && plan.kinds.length > 0 && plan.pattern[posts++ % plan.pattern.length] === 'F'
    const fault = fails ? plan.kinds[failing++ % plan.kinds.length] : undefined
    if (fault === '500') {
      faults['500']++
      return {status: 500, headers: {'content-type': 'application/json'}, body: '{"error":"sandbox fault"}'}
    }
    const res = await emulator.handle(req)
    const body = typeof res.body === 'string' ? res.body : res.body.toString('utf8')
    served.exchanges.push({
      kind: emulator.kind,
      method: req.method,
      path: req.path,
      headers: req.headers,
      body: req.rawBody.toString('utf8'),
      status: res.status,
      response: body,
    })
    if (fault === undefined) return res
    faults[fault]++
    if (fault === 'reset-after') resetSocket(raw.res)
    else if (fault === 'truncated') {
      raw.res.writeHead(res.status, {...res.headers, 'content-length': String(Buffer.byteLength(body))})
      raw.res.write(body.slice(0, Math.floor(body.length / 2)) || ' ', () => raw.res.destroy())
    } else {
      await new Promise((r) => setTimeout(r, plan.holdMs))
      raw.res.destroy()
    }
    return null
  }
  const server = await serveHandler(handler)
  served.baseUrl = server.baseUrl
  served.close = () => server.close()
  return served
}

export interface ProviderSpec {
  id: string
  kind: GatewayKind
  fallback?: string
  segments?: string[]
  schedule?: string
  maxRetries?: number
}

export interface EmulatorWorld {
  scenario: Scenario
  home: string
  env: Record<string, string>
  ctx: AppContext
  /** The home's SQLite file, where the world was set up. */
  db: Db
  /** The ledger the world's services use: the file's, or its copy in PostgreSQL (`postgres` given). */
  ledger: LedgerHandle
  /** Where the PostgreSQL copy is, for a command run on it (databaseEnv); null on SQLite. */
  postgres: CopiedLedger['connection'] | null
  gateways: Map<GatewayKind, ServedGateway>
  /**
   * A failed payment of `customer` at `provider`, as a sync would apply it (invoice-less unless given), written to
   * the file: a world on SQLite only.
   */
  fail(
    provider: string,
    customer: ScenarioCustomer,
    amount: {minor: number; currency: string},
    opts?: FailOptions,
  ): string
  /** fail, through the world's ledger: either engine. */
  failOnLedger(
    provider: string,
    customer: ScenarioCustomer,
    amount: {minor: number; currency: string},
    opts?: FailOptions,
  ): Promise<string>
  run(opts?: RetryRunOptions): Promise<RetryRunResult>
  close(): Promise<void>
}

interface FailOptions {
  code?: string
  decision?: Decision
  invoice?: string | null
  at?: string
}

export async function emulatorWorld(opts: {
  kinds: readonly GatewayKind[]
  providers: readonly ProviderSpec[]
  clock: {now(): number}
  seed?: number
  customers?: number
  transactions?: number
  /** Which payment method each customer has at each provider (default: their stored one at its kind). */
  methods?: (c: ScenarioCustomer, p: ProviderSpec) => string | null
  /** Called with the customers none of whose scenario payments failed (every emulator approves them), before `methods`. */
  pick?: (clean: ScenarioCustomer[]) => void
  /** Set up on the file, then copied into a fresh database of this PostgreSQL, which the services use from then on. */
  postgres?: TestPostgres
}): Promise<EmulatorWorld> {
  const now = opts.clock.now()
  const scenario = generateScenario({
    seed: opts.seed ?? 13,
    customers: opts.customers ?? 24,
    transactions: opts.transactions ?? 60,
    start: new Date(now - 30 * 86_400_000).toISOString(),
    end: new Date(now - 86_400_000).toISOString(),
  })
  const gateways = new Map<GatewayKind, ServedGateway>()
  for (const kind of opts.kinds) {
    const factory = await loadEmulator(kind)
    const emulator = factory({scenario, share: 'all', clock: opts.clock})
    gateways.set(kind, await serveGateway(emulator))
  }
  const home = mkdtempSync(join(tmpdir(), 'yms-retry-emu-'))
  const env: Record<string, string> = {}
  for (const p of opts.providers)
    for (const [field, value] of Object.entries(gateways.get(p.kind)!.emulator.secrets))
      env[envVarName(p.id, field)] = value
  const ctx = testContext(home, env, () => opts.clock.now())
  const db = openDatabase(ctx.home.dbFile, {clock: () => opts.clock.now()})
  await importWorld(db, ctx, scenario, () => true)
  // Fallbacks must exist before the providers naming them.
  const ordered = [...opts.providers].sort((a, b) => Number(Boolean(a.fallback)) - Number(Boolean(b.fallback)))
  for (const p of ordered) {
    const g = gateways.get(p.kind)!
    await addProvider(sqliteHandle(db), ctx, {
      id: p.id,
      kind: p.kind,
      baseUrl: g.baseUrl,
      sites: [],
      settings: {...g.emulator.settings},
      segments: p.segments ?? ['*'],
      fallback: p.fallback ?? null,
      retrySchedule: p.schedule ?? '1m',
      maxRetries: p.maxRetries ?? 6,
      secrets: {},
    })
  }
  opts.pick?.(cleanCustomers(scenario))
  const lines = ['customer,provider,payment_method']
  for (const c of scenario.customers)
    for (const p of opts.providers) {
      const method = opts.methods ? opts.methods(c, p) : c.paymentMethods[p.kind]
      if (method) lines.push(`${c.id},${p.id},${method}`)
    }
  const file = join(home, 'methods.csv')
  writeFileSync(file, `${lines.join('\n')}\n`)
  const imported = await importPaymentMethods(sqliteHandle(db), ctx, file)
  if (imported.rejected.length > 0) throw new Error(`methods rejected: ${JSON.stringify(imported.rejected)}`)
  const copy = opts.postgres ? await copiedToPostgres(db, opts.postgres, opts.clock) : undefined
  const ledger = copy?.ledger ?? sqliteHandle(db)
  let failures = 0
  /** The failed payment and the scope a sync would apply it in, given the provider's grants. */
  const failedPayment = (
    providerId: string,
    customer: ScenarioCustomer,
    amount: {minor: number; currency: string},
    o: FailOptions,
    grants: ReturnType<typeof listGrants>,
  ) => {
    const spec = opts.providers.find((p) => p.id === providerId)!
    const at = o.at ?? new Date(opts.clock.now()).toISOString()
    const externalId = `failed-${++failures}`
    const txn: NormalizedTxn = {
      id: `${providerId}:${externalId}`,
      provider: providerId,
      kind: spec.kind,
      externalId,
      parentExternalId: null,
      type: 'payment',
      status: 'failed',
      amount,
      fee: null,
      net: null,
      customerRef: customer.refs[spec.kind],
      invoiceRef: o.invoice ?? null,
      siteRef: null,
      failure: {code: o.code ?? 'insufficient_funds', message: 'declined', decision: o.decision ?? 'retry'},
      occurredAt: at,
      updatedAt: at,
      metadata: {},
    }
    const scope = {
      provider: providerId,
      kind: spec.kind,
      actor: 'retry-test',
      source: 'pull' as const,
      grants,
      latencySince: null,
      customers: new Map(),
    }
    return {txn, scope}
  }
  return {
    scenario,
    home,
    env,
    ctx,
    db,
    ledger,
    postgres: copy?.connection ?? null,
    gateways,
    fail(providerId, customer, amount, o = {}) {
      if (copy) throw new Error('world.fail writes to the file: on PostgreSQL use failOnLedger')
      const {txn, scope} = failedPayment(providerId, customer, amount, o, listGrants(db, providerId))
      db.write(() => applyItems(db, scope, serializeItems([{txn, raw: {synthetic: true}}]), []))
      return txn.id
    },
    async failOnLedger(providerId, customer, amount, o = {}) {
      const grants = await ledger.read(listGrants.ops(providerId))
      const {txn, scope} = failedPayment(providerId, customer, amount, o, grants)
      await ledger.write(() => applyItems.ops(scope, serializeItems([{txn, raw: {synthetic: true}}]), []))
      return txn.id
    },
    run: (o = {}) => runRetries(ledger, ctx, {*raise() {}, ...o}),
    async close() {
      await copy?.close()
      db.close()
      for (const g of gateways.values()) await g.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
}

/** Customers none of whose scenario payments failed: every emulator approves their stored payment method. */
export function cleanCustomers(scenario: Scenario): ScenarioCustomer[] {
  const failed = new Set(scenario.payments.filter((p) => p.outcome === 'failed').map((p) => p.customer))
  return scenario.customers.filter((c) => !failed.has(c.id))
}

/** A charge an emulator made in answer to a request carrying a retry key, read from its own answer. */
export interface Charge {
  kind: GatewayKind
  key: string
  chargeId: string
}

function json(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** The retry key a request carried, where each gateway takes it. */
function keyOf(x: Exchange): string | null {
  switch (x.kind) {
    case 'stripe':
    case 'adyen':
      return x.headers['idempotency-key'] ?? null
    case 'paypal':
      return x.headers['paypal-request-id']?.replace(/:capture$/, '') ?? null
    case 'square':
      return (json(x.body)?.idempotency_key as string | undefined) ?? null
    case 'braintree':
      return ((json(x.body)?.transaction as {order_id?: string} | undefined)?.order_id as string | undefined) ?? null
  }
}

/** The successful charge in an emulator's answer to a payment request, if it made one. */
function chargeOf(x: Exchange): string | null {
  const body = json(x.response)
  switch (x.kind) {
    case 'stripe': {
      if (x.path !== '/v1/payment_intents' || x.status !== 200 || body?.status !== 'succeeded') return null
      const charge = body.latest_charge as string | {id: string}
      return typeof charge === 'string' ? charge : charge.id
    }
    case 'adyen':
      return x.path.endsWith('/payments') && body?.resultCode === 'Authorised' ? String(body.pspReference) : null
    case 'paypal': {
      const units = body?.purchase_units as Array<{payments?: {captures?: Array<{id: string; status: string}>}}>
      const capture = units?.[0]?.payments?.captures?.[0]
      return x.path.startsWith('/v2/checkout/orders') && capture?.status === 'COMPLETED' ? capture.id : null
    }
    case 'square': {
      const payment = body?.payment as {id: string; status: string} | undefined
      return x.path === '/v2/payments' && x.status === 200 && payment?.status === 'COMPLETED' ? payment.id : null
    }
    case 'braintree': {
      if (!x.path.endsWith('/transactions') || x.status !== 201) return null
      const m = /<id>([^<]+)<\/id>\s*<status>([^<]+)<\/status>/.exec(x.response)
      return m && m[2] !== 'processor_declined' && m[2] !== 'gateway_rejected' ? m[1]! : null
    }
  }
}

export function chargesMade(gateways: Iterable<ServedGateway>): Charge[] {
  const out = new Map<string, Charge>()
  for (const g of gateways)
    for (const x of g.exchanges) {
      const key = keyOf(x)
      const chargeId = key ? chargeOf(x) : null
      if (key && chargeId) out.set(`${x.kind}:${chargeId}`, {kind: x.kind, key, chargeId})
    }
  return [...out.values()]
}
