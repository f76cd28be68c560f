import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {AppContext} from '../../../src/app/context.js'
import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {verifyAudit} from '../../../src/services/audit.js'
import {cancelRetry} from '../../../src/services/retry/cancel.js'
import {takeRetryLease} from '../../../src/services/retry/lease.js'
import {importPaymentMethods} from '../../../src/services/retry/methods.js'
import {retryReport} from '../../../src/services/retry/report.js'
import {runRetries, type RetryRunOptions} from '../../../src/services/retry/run.js'
import {listRetries} from '../../../src/services/retry/views.js'
import {listNetworkRules, setNetworkRule} from '../../../src/services/retry-rules/caps.js'
import {listRetryCodes, setCodeOverride, unsetCodeOverride} from '../../../src/services/retry-rules/codes.js'
import {applyItems, serializeItems} from '../../../src/services/sync/apply.js'
import {storeHandle, type LedgerHandle} from '../../../src/store/ops/ledger-handle.js'
import {all, type Ops} from '../../../src/store/ops/op.js'
import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {insertAlertTarget} from '../../../src/store/repos/alerts.js'
import {addGrant, listGrants} from '../../../src/store/repos/grants.js'
import {insertProvider, type Provider} from '../../../src/store/repos/providers.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {pgStore} from '../../../src/store/seam/pg-store.js'
import {testPostgres} from '../../helpers/postgres.js'
import {type ManualClock, manualClock, testContext} from '../../helpers/sync-world.js'
import {type HandleUnderTest, handleEngines} from '../../store/ops/engines.js'
import {declines, noAnswer, type ScriptedGateway, scriptedGateway, succeeds} from '../retry/engine-world.js'

const postgres = await testPostgres()

/**
 * The retry engine on both engines, one test body: failed payments queued by the apply path, a run that sends
 * (through a fallback when the primary is down), an unknown outcome asked about again, a recovery and a stop settled
 * into the ledger, the lease, the report, and the admin's rules. Each engine must end with the same ledger.
 */
const T0 = '2026-03-02T09:00:00.000Z'
const MIN = 60_000
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()

interface World {
  handle: LedgerHandle
  ctx: AppContext
  clock: ManualClock
  warnings: string[]
  gateways: Map<string, ScriptedGateway>
  run(opts?: RetryRunOptions): ReturnType<typeof runRetries>
}

function* seed(): Ops<void> {
  yield* upsertSites.ops([{id: 'berlin', name: 'Berlin', currency: 'EUR'}])
  yield* insertAlertTarget.ops({
    id: 'ops',
    url: 'https://hooks.example/ops',
    format: 'standard',
    events: ['retry_exhausted'],
  })
  yield* insertProvider.ops({id: 'backup', kind: 'stripe', retrySchedule: '5m', maxRetries: 3})
  yield* insertProvider.ops({id: 'alt', kind: 'stripe', fallback: 'backup', retrySchedule: '5m', maxRetries: 3})
  yield* insertProvider.ops({id: 'primary', kind: 'stripe', retrySchedule: '5m', maxRetries: 3})
  for (const provider of ['alt', 'backup', 'primary'])
    yield* addGrant.ops({provider, segment: '*', site: '*', access: 'write'})
  yield* upsertCustomers.ops([
    {id: 'c1', site: 'berlin', segment: 'retail', refs: {alt: 'cus_1a', backup: 'bk_1'}},
    {id: 'c2', site: 'berlin', segment: 'retail', refs: {primary: 'cus_2'}},
    {id: 'c3', site: 'berlin', segment: 'vip', refs: {primary: 'cus_3'}},
  ])
}

function failed(provider: string, externalId: string, customerRef: string, invoice: string, minor: number) {
  const txn: NormalizedTxn = {
    id: `${provider}:${externalId}`,
    provider,
    kind: 'stripe',
    externalId,
    parentExternalId: null,
    type: 'payment',
    status: 'failed',
    amount: {minor, currency: 'EUR'},
    fee: null,
    net: null,
    customerRef,
    invoiceRef: invoice,
    siteRef: null,
    failure: {code: 'insufficient_funds', message: 'declined', decision: 'retry'},
    occurredAt: T0,
    updatedAt: T0,
    metadata: {},
  }
  return {txn, raw: {}}
}

/** One sync page of a provider's failed payments, through the one apply path: its reaction queues them. */
function* syncPage(provider: string, items: ReturnType<typeof failed>[]): Ops<void> {
  const scope = {
    provider,
    kind: 'stripe',
    actor: 'sync-test',
    source: 'pull' as const,
    grants: yield* listGrants.ops(provider),
    latencySince: null,
    customers: new Map(),
  }
  yield* applyItems.ops(scope, serializeItems(items), [])
}

/** What the ledger holds of the retries, in a form both engines must give alike. */
async function ledgerState(handle: LedgerHandle) {
  return handle.read(
    (function* () {
      const chains = yield* listRetries.ops({status: 'all', limit: 10})
      return {
        chains: chains.map((c) => ({
          id: c.id,
          payment: c.payment,
          customer: c.customer,
          status: c.status,
          attempts: c.attempts,
          nextAt: c.nextAt,
          recovered: c.recovered,
          finishedAt: c.finishedAt,
          requests: c.requests.map((r) => [r.attempt, r.provider, r.route, r.status, r.externalId, r.failureCode]),
        })),
        payments: yield* all<{id: string; status: string; customer_id: string | null}>(
          'SELECT id, status, customer_id FROM transactions ORDER BY id',
        ),
        audit: (yield* all<{action: string; subject: string | null; outcome: string}>(
          'SELECT action, subject, outcome FROM audit_log ORDER BY seq',
        )).map((a) => `${a.action} ${a.subject ?? '-'} ${a.outcome}`),
        alerts: yield* all<{event: string; subject: string; dedup_key: string; target_id: string}>(
          `SELECT o.event, o.subject, o.dedup_key, d.target_id FROM alerts_outbox o
             JOIN alert_deliveries d ON d.outbox_seq = o.seq ORDER BY o.seq`,
        ),
        verified: (yield* verifyAudit.ops()).ok,
      }
    })(),
  )
}

const states = new Map<string, unknown>()

describe.each(handleEngines(postgres))('retries on $engine', ({engine, skip, open}) => {
  let ledger: HandleUnderTest
  let home: string
  let w: World
  beforeEach(async () => {
    if (skip !== undefined) return
    const clock = manualClock(T0)
    ledger = await open(clock.now)
    home = mkdtempSync(join(tmpdir(), 'yms-retry-both-'))
    const warnings: string[] = []
    const gateways = new Map<string, ScriptedGateway>()
    const handle = ledger.handle
    w = {
      handle,
      ctx: {...testContext(home, {}, clock.now), actor: 'ops@example', warn: (m) => void warnings.push(m)},
      clock,
      warnings,
      gateways,
      run: (opts = {}) =>
        runRetries(handle, w.ctx, {
          async connect(provider: Provider) {
            const g = gateways.get(provider.id)
            if (!g) throw new Error(`no scripted gateway for ${provider.id}`)
            return g
          },
          ...opts,
        }),
    }
    await handle.write(seed())
    const methods = join(home, 'methods.csv')
    writeFileSync(
      methods,
      'customer,provider,payment_method\nc1,alt,pm_1a\nc1,backup,bk_pm_1\nc2,primary,pm_2\nc3,primary,pm_3\nc9,primary,pm_9\n',
    )
    const imported = await importPaymentMethods(handle, w.ctx, methods)
    expect(imported).toEqual({
      inserted: 4,
      updated: 0,
      unchanged: 0,
      rejected: [{line: 6, error: 'unknown customer "c9"'}],
    })
  })
  afterEach(async () => {
    if (skip !== undefined) return
    await ledger.close()
    rmSync(home, {recursive: true, force: true})
  })

  describe.skipIf(skip !== undefined)('', () => {
    it('queues failed payments, sends the due ones, asks about an unknown outcome, and settles the ledger', async () => {
      const {handle, clock} = w
      await handle.write(syncPage('alt', [failed('alt', 'ch_1', 'cus_1a', 'inv-1', 10_000)]))
      await handle.write(
        syncPage('primary', [
          failed('primary', 'ch_2', 'cus_2', 'inv-2', 2_500),
          failed('primary', 'ch_3', 'cus_3', 'inv-3', 990),
        ]),
      )
      const queued = await handle.read(listRetries.ops({status: 'open', limit: 10}))
      expect(queued.map((c) => [c.id, c.payment, c.status, c.nextAt])).toEqual([
        [3, 'primary:ch_3', 'queued', at(5 * MIN)],
        [2, 'primary:ch_2', 'queued', at(5 * MIN)],
        [1, 'alt:ch_1', 'queued', at(5 * MIN)],
      ])

      // The third is canceled by an admin; nothing is due yet for the others.
      const canceled = await handle.write(cancelRetry.ops(w.ctx, 3))
      expect(canceled).toMatchObject({id: 3, status: 'canceled', note: 'canceled by ops@example'})
      expect((await w.run()).due).toBe(0)

      // alt is down (its probe fails): c1's retry goes to its fallback. c2's request times out at primary.
      const alt = scriptedGateway()
      alt.down = true
      w.gateways.set('alt', alt)
      w.gateways.set('backup', scriptedGateway({answers: [succeeds('backup', 'py_1', clock)]}))
      const primary = scriptedGateway({
        answers: [noAnswer(), declines('primary', 'py_2', 'do_not_honor', 'terminal', clock)],
      })
      w.gateways.set('primary', primary)
      clock.set(at(5 * MIN))
      const plan = await w.run({dryRun: true})
      expect(plan.turns.map((t) => [t.retry, t.action, t.provider, t.route])).toEqual([
        [1, 'would_send', 'alt', 'primary'],
        [2, 'would_send', 'primary', 'primary'],
      ])
      const first = await w.run()
      expect(first).toMatchObject({status: 'ok', due: 2, sent: 2, recovered: 1, unresolved: 1, errors: 0})
      expect(first.turns.map((t) => [t.retry, t.action, t.provider, t.route, t.outcome, t.status])).toEqual([
        [1, 'sent', 'backup', 'fallback', 'succeeded', 'recovered'],
        [2, 'sent', 'primary', 'primary', 'unknown', 'resolving'],
      ])
      expect(alt.requests).toHaveLength(0)

      // Asked again (the same request under the same key), the gateway says it was declined for good.
      clock.set(at(5 * MIN + 15_000))
      const second = await w.run()
      expect(second.turns.map((t) => [t.retry, t.action, t.outcome, t.status])).toEqual([
        [2, 'resolved', 'failed', 'stopped'],
      ])
      expect(primary.requests).toHaveLength(2)
      expect(primary.requests[1]).toEqual(primary.requests[0])

      const state = await ledgerState(handle)
      expect(state.chains).toEqual([
        {
          id: 2,
          payment: 'primary:ch_2',
          customer: 'c2',
          status: 'stopped',
          attempts: 1,
          nextAt: null,
          recovered: null,
          finishedAt: at(5 * MIN + 15_000),
          requests: [[1, 'primary', 'primary', 'failed', 'py_2', 'do_not_honor']],
        },
        {
          id: 1,
          payment: 'alt:ch_1',
          customer: 'c1',
          status: 'recovered',
          attempts: 1,
          nextAt: null,
          recovered: {payment: 'backup:py_1', via: 'fallback', attempt: 1},
          finishedAt: at(5 * MIN),
          requests: [[1, 'backup', 'fallback', 'succeeded', 'py_1', null]],
        },
        {
          id: 3,
          payment: 'primary:ch_3',
          customer: 'c3',
          status: 'canceled',
          attempts: 0,
          nextAt: null,
          recovered: null,
          finishedAt: T0,
          requests: [],
        },
      ])
      // The recovery and the retry's decline are in the ledger, each with its customer, from the retry's own answer.
      expect(state.payments).toEqual([
        {id: 'alt:ch_1', status: 'failed', customer_id: 'c1'},
        {id: 'backup:py_1', status: 'succeeded', customer_id: 'c1'},
        {id: 'primary:ch_2', status: 'failed', customer_id: 'c2'},
        {id: 'primary:ch_3', status: 'failed', customer_id: 'c3'},
        {id: 'primary:py_2', status: 'failed', customer_id: 'c2'},
      ])
      // The stop is alerted, in the transaction that recorded it.
      expect(state.alerts).toEqual([
        {event: 'retry_exhausted', subject: 'primary:ch_2', dedup_key: 'retry_exhausted:2', target_id: 'ops'},
      ])
      expect(state.verified).toBe(true)
      expect(state.audit.filter((a) => a.startsWith('retry.'))).toEqual([
        'retry.methods.import ' + join(home, 'methods.csv') + ' partial',
        'retry.queued alt:ch_1 ok',
        'retry.queued primary:ch_2 ok',
        'retry.queued primary:ch_3 ok',
        'retry.cancel primary:ch_3 ok',
        'retry.attempt alt:ch_1 ok',
        'retry.recovered alt:ch_1 ok',
        'retry.attempt primary:ch_2 ok',
        'retry.stopped primary:ch_2 ok',
      ])

      const report = await handle.read(retryReport.ops(w.ctx, {since: '1d'}))
      expect(report).toMatchObject({
        attempted: 2,
        recovered: 1,
        stopped: 1,
        exhausted: 0,
        canceled: 1,
        pending: 0,
        eligible: 2,
        successRate: 0.5,
        recoveredAmount: [{minor: 10_000, currency: 'EUR'}],
        byRoute: {sameProcessor: {recovered: 0}, fallback: {recovered: 1, successRate: 0.5}},
      })
      expect(report.byProvider.map((p) => [p.provider, p.attempted, p.eligible, p.recovered])).toEqual([
        ['alt', 1, 1, 1],
        ['primary', 1, 1, 0],
      ])
      states.set(engine, {state: {...state, audit: state.audit.map((a) => a.replace(home, '<home>'))}, report})
    })

    it('runs one at a time: a run on another host while the lease is held does nothing', async () => {
      await w.handle.write(syncPage('primary', [failed('primary', 'ch_2', 'cus_2', 'inv-2', 2_500)]))
      w.gateways.set('primary', scriptedGateway({answers: [succeeds('primary', 'py_2', w.clock)]}))
      w.clock.set(at(5 * MIN))
      const held = await takeRetryLease(ledger.another())
      if (!('lease' in held)) throw new Error('the lease was not free')
      const skipped = await w.run()
      expect(skipped).toMatchObject({status: 'skipped_locked', lockedBy: held.lease.owner, due: 0})
      expect(await held.lease.renew()).toBe(true)
      await held.lease.release()
      expect(await w.run()).toMatchObject({status: 'ok', sent: 1, recovered: 1})
    })

    it("keeps the admin's rules: network caps and code overrides, audited, with the codes seen", async () => {
      const {handle, ctx} = w
      await handle.write(syncPage('primary', [failed('primary', 'ch_2', 'cus_2', 'inv-2', 2_500)]))
      const cap = await handle.write(setNetworkRule.ops(ctx, 'visa-reattempts-30d', '20'))
      expect(cap).toEqual({name: 'visa-reattempts-30d', value: '20', previous: '15', changed: true})
      const caps = await handle.read(listNetworkRules.ops())
      expect(caps.find((c) => c.name === 'visa-reattempts-30d')).toMatchObject({
        value: '20',
        default: '15',
        set: {by: 'ops@example'},
      })
      expect((await handle.write(setNetworkRule.ops(ctx, 'visa-reattempts-30d', 'default'))).changed).toBe(true)

      const set = await handle.write(
        setCodeOverride.ops(ctx, {kind: 'stripe', code: 'do_not_honor', decision: 'retry'}),
      )
      expect(set).toEqual({kind: 'stripe', code: 'do_not_honor', decision: 'retry', previous: null, changed: true})
      expect(w.warnings).toEqual([
        "no failed stripe payment has come with do_not_honor yet: check the spelling against the gateway's codes",
      ])
      const codes = await handle.read(listRetryCodes.ops({provider: 'primary'}))
      expect(codes.codes.map((c) => [c.provider, c.code, c.seen, c.effective])).toEqual([
        ['primary', 'insufficient_funds', 1, 'retry'],
      ])
      expect(codes.overrides.map((o) => [o.kind, o.code, o.decision, o.updatedBy])).toEqual([
        ['stripe', 'do_not_honor', 'retry', 'ops@example'],
      ])
      const unset = await handle.write(unsetCodeOverride.ops(ctx, 'stripe', 'do_not_honor'))
      expect(unset).toMatchObject({decision: null, previous: 'retry', changed: true})
      await expect(handle.read(listRetryCodes.ops({provider: 'nowhere'}))).rejects.toThrow('--provider nowhere')
      const audit = await handle.read(all<{action: string}>('SELECT action FROM audit_log ORDER BY seq'))
      expect(audit.map((a) => a.action).filter((a) => a.startsWith('retry.') && a !== 'retry.queued')).toEqual([
        'retry.methods.import',
        'retry.network_rule',
        'retry.network_rule',
        'retry.code_override',
        'retry.code_override_removed',
      ])
    })
  })
})

describe.skipIf(postgres.skip !== undefined)('a retry on PostgreSQL beside a sync on another host', () => {
  it('sends nothing for a chain the sync ended while the attempt was being recorded', async () => {
    const database = await postgres.freshDatabase()
    const sync = await database.connect()
    await runPgMigrations(sync, PG_MIGRATIONS, database.name)
    const store = pgStore(database.connection)
    const home = mkdtempSync(join(tmpdir(), 'yms-retry-race-'))
    try {
      const clock = manualClock(T0)
      const handle = storeHandle(store, clock.now)
      const ctx = testContext(home, {}, clock.now)
      await handle.write(seed())
      await handle.write(syncPage('primary', [failed('primary', 'ch_2', 'cus_2', 'inv-2', 2_500)]))
      writeFileSync(join(home, 'm.csv'), 'customer,provider,payment_method\nc2,primary,pm_2\n')
      await importPaymentMethods(handle, ctx, join(home, 'm.csv'))
      const gateway = scriptedGateway({answers: [succeeds('primary', 'py_2', clock)]})
      clock.set(at(5 * MIN))

      // The other host's sync has ended the chain (its bill was paid) and not committed yet.
      await sync.query('BEGIN')
      await sync.query(
        `UPDATE retries SET status = 'superseded', next_at = NULL, note = 'invoice inv-2 was paid', finished_at = $1,
           updated_at = $1 WHERE id = 1 AND next_at IS NOT NULL`,
        [at(5 * MIN)],
      )
      const running = runRetries(handle, ctx, {connect: async () => gateway})
      // The run reads the chain as still due and open; its attempt's write waits for the sync's row.
      for (let waited = 0; ; waited += 20) {
        const {rows} = await sync.query<{n: string}>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
        if (Number(rows[0]!.n) > 0) break
        if (waited > 10_000) throw new Error('the retry run never waited for the sync')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await sync.query('COMMIT')
      const result = await running
      expect(result.turns.map((t) => [t.action, t.note, t.status])).toEqual([
        ['resolved', 'the chain changed meanwhile: nothing sent', 'superseded'],
      ])
      expect(gateway.requests).toEqual([])
      expect(await handle.read(all('SELECT id FROM retry_attempts'))).toEqual([])
    } finally {
      await store.close()
      rmSync(home, {recursive: true, force: true})
    }
  })
})

describe.skipIf(postgres.skip !== undefined)('both engines', () => {
  it('ended the retry flow with the same ledger and report', () => {
    expect(states.get('sqlite')).toBeDefined()
    expect(states.get('postgres')).toEqual(states.get('sqlite'))
  })
})
