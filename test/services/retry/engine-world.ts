import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import type {Decision, FetchedTxn, NormalizedTxn} from '../../../src/core/transaction.js'
import {gatewayFacts, type GatewayKind} from '../../../src/gateways/registry.js'
import type {CreatePaymentRequest, GatewayClient, PaymentOutcome} from '../../../src/gateways/types.js'
import {addProvider} from '../../../src/services/providers.js'
import type {Gateway} from '../../../src/services/retry/connections.js'
import type {RaiseAlert} from '../../../src/services/retry/settle.js'
import {runRetries, type RetryRunOptions, type RetryRunResult} from '../../../src/services/retry/run.js'
import {applyItems, serializeItems} from '../../../src/services/sync/apply.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {listGrants} from '../../../src/store/repos/grants.js'
import type {Provider} from '../../../src/store/repos/providers.js'
import {upsertPaymentMethods} from '../../../src/store/repos/retries-methods.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {manualClock, testContext, type ManualClock} from '../../helpers/sync-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * A ledger for the retry engine's own tests: one clock for the database and the engine (moved by hand), customers
 * with refs and payment methods, providers with grants, and gateways whose answers each test scripts. Failed
 * payments enter through the one apply path, as a sync would bring them, so the queue is filled by its reaction.
 */
export type Answer = (req: CreatePaymentRequest, n: number) => PaymentOutcome | Promise<PaymentOutcome>

export interface ScriptedGateway extends Gateway {
  requests: CreatePaymentRequest[]
  lookups: Array<{req: CreatePaymentRequest; sinceMs: number}>
  probes: number
  /** Whether the probe (testConnection) fails. */
  down: boolean
}

export interface ScriptOptions {
  kind?: GatewayKind
  answers?: Answer[]
  lookup?: Answer
}

export function scriptedGateway(opts: ScriptOptions = {}): ScriptedGateway {
  const answers = opts.answers ?? []
  const g: ScriptedGateway = {
    facts: gatewayFacts(opts.kind ?? 'stripe'),
    requests: [],
    lookups: [],
    probes: 0,
    down: false,
    lookup: null,
    client: null as unknown as GatewayClient,
  }
  g.client = {
    async testConnection() {
      g.probes++
      if (g.down) throw new Error('connect ECONNREFUSED')
    },
    fetchPage: () => Promise.reject(new Error('not scripted')),
    verifyWebhook: () => Promise.reject(new Error('not scripted')),
    async createPayment(req) {
      g.requests.push(structuredClone(req))
      const answer = answers[g.requests.length - 1]
      if (!answer) throw new Error(`no answer scripted for request ${g.requests.length}`)
      return answer(req, g.requests.length)
    },
    classifyError: () => 'retry',
  }
  if (opts.lookup) {
    const lookup = opts.lookup
    g.lookup = async (req, sinceMs) => {
      g.lookups.push({req: structuredClone(req), sinceMs})
      return lookup(req, g.lookups.length)
    }
  }
  return g
}

/** A payment as the gateway would answer for this request. */
export function paymentFor(
  req: CreatePaymentRequest,
  provider: string,
  externalId: string,
  status: NormalizedTxn['status'],
  failure: NormalizedTxn['failure'] = null,
  at = new Date().toISOString(),
): FetchedTxn {
  return {
    txn: {
      id: `${provider}:${externalId}`,
      provider,
      kind: 'stripe',
      externalId,
      parentExternalId: null,
      type: 'payment',
      status,
      amount: req.amount,
      fee: null,
      net: null,
      customerRef: req.customerRef,
      invoiceRef: req.metadata.yms_invoice ?? null,
      siteRef: null,
      failure,
      occurredAt: at,
      updatedAt: at,
      metadata: {...req.metadata},
    },
    raw: {request: req.idempotencyKey},
  }
}

export const succeeds =
  (provider: string, externalId: string, clock: ManualClock): Answer =>
  (req) => ({
    status: 'succeeded',
    externalId,
    item: paymentFor(req, provider, externalId, 'succeeded', null, clock.iso()),
  })

export const declines =
  (provider: string, externalId: string, code: string, decision: Decision, clock: ManualClock): Answer =>
  (req) => {
    const failure = {code, message: code, decision}
    return {
      status: 'failed',
      externalId,
      failure,
      item: paymentFor(req, provider, externalId, 'failed', failure, clock.iso()),
    }
  }

export const noAnswer =
  (reason = 'POST /v1/payment_intents: timed out after 30000 ms'): Answer =>
  () => ({status: 'unknown', externalId: null, reason})

export interface EngineWorld {
  db: Db
  ctx: AppContext
  clock: ManualClock
  gateways: Map<string, ScriptedGateway>
  alerts: Array<Parameters<RaiseAlert>[0]>
  addProvider(
    id: string,
    opts?: {fallback?: string; schedule?: string; maxRetries?: number; segments?: string[]},
  ): Promise<void>
  /** A failed payment as a sync brings it, at the clock's time (`status` for another state of the same shape). */
  fail(p: FailedPayment): void
  /** Several, as one sync page of one provider brings them: one applyItems call in one write transaction. */
  failPage(ps: readonly FailedPayment[]): void
  run(opts?: RetryRunOptions): Promise<RetryRunResult>
  close(): void
}

export interface FailedPayment {
  status?: NormalizedTxn['status']
  provider: string
  externalId: string
  customer?: string
  minor?: number
  code?: string
  decision?: Decision
  invoice?: string | null
}

export async function engineWorld(start: string): Promise<EngineWorld> {
  const home = mkdtempSync(join(tmpdir(), 'yms-retry-'))
  const clock = manualClock(start)
  const ctx = testContext(home, {}, clock.now)
  const db = openDatabase(ctx.home.dbFile, {clock: clock.now})
  upsertSites(db, [{id: 'berlin', name: 'Berlin', currency: 'EUR'}])
  upsertCustomers(db, [
    {id: 'c1', site: 'berlin', segment: 'retail', refs: {primary: 'cus_1', backup: 'bk_1', nogrant: 'ng_1'}},
    {id: 'c2', site: 'berlin', segment: 'vip', refs: {primary: 'cus_2', backup: 'bk_2'}},
  ])
  upsertPaymentMethods(db, [
    {customer: 'c1', providerKey: 'primary', methodRef: 'pm_1'},
    {customer: 'c1', providerKey: 'backup', methodRef: 'bk_pm_1'},
    {customer: 'c1', providerKey: 'nogrant', methodRef: 'ng_pm_1'},
    {customer: 'c2', providerKey: 'primary', methodRef: 'pm_2'},
  ])
  const gateways = new Map<string, ScriptedGateway>()
  const alerts: EngineWorld['alerts'] = []
  const world: EngineWorld = {
    db,
    ctx,
    clock,
    gateways,
    alerts,
    async addProvider(id, o = {}) {
      await addProvider(sqliteHandle(db), ctx, {
        id,
        kind: 'stripe',
        baseUrl: null,
        sites: [],
        settings: {},
        segments: o.segments ?? ['*'],
        fallback: o.fallback ?? null,
        retrySchedule: o.schedule ?? null,
        maxRetries: o.maxRetries ?? null,
        secrets: {},
      })
    },
    fail(p) {
      world.failPage([p])
    },
    failPage(ps) {
      const at = clock.iso()
      const txn = (p: FailedPayment): NormalizedTxn => ({
        id: `${p.provider}:${p.externalId}`,
        provider: p.provider,
        kind: 'stripe',
        externalId: p.externalId,
        parentExternalId: null,
        type: 'payment',
        status: p.status ?? 'failed',
        amount: {minor: p.minor ?? 12_550, currency: 'EUR'},
        fee: null,
        net: null,
        customerRef: p.customer === 'c2' ? 'cus_2' : 'cus_1',
        invoiceRef: p.invoice === undefined ? 'inv-1' : p.invoice,
        siteRef: null,
        failure:
          (p.status ?? 'failed') === 'failed'
            ? {code: p.code ?? 'insufficient_funds', message: 'declined', decision: p.decision ?? 'retry'}
            : null,
        occurredAt: at,
        updatedAt: at,
        metadata: {},
      })
      const provider = ps[0]!.provider
      const scope = {
        provider,
        kind: 'stripe',
        actor: 'sync-test',
        source: 'pull' as const,
        grants: listGrants(db, provider),
        latencySince: null,
        customers: new Map(),
      }
      db.write(() => applyItems(db, scope, serializeItems(ps.map((p) => ({txn: txn(p), raw: {}}))), []))
    },
    run(opts = {}) {
      return runRetries(sqliteHandle(db), ctx, {
        raise(alert) {
          alerts.push(alert)
          return (function* () {})() // no statements: the alert stays here
        },
        connect: async (provider: Provider) => {
          const g = gateways.get(provider.id)
          if (!g) throw new Error(`no scripted gateway for ${provider.id}`)
          return g
        },
        ...opts,
      })
    },
    close() {
      db.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
  return world
}
