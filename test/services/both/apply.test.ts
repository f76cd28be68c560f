import {afterEach, describe, expect, it} from 'vitest'

import type {AppContext} from '../../../src/app/context.js'
import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {verifyAudit} from '../../../src/services/audit.js'
import {listQuarantined, replayQuarantined} from '../../../src/services/quarantine.js'
import {retryKey} from '../../../src/services/retry/request.js'
import {serializeItems, serializeSkipped} from '../../../src/services/sync/apply.js'
import {commitPage, type PageCommit, type RunRef} from '../../../src/services/sync/commit-page.js'
import type {ApplyScope} from '../../../src/services/sync/scope.js'
import {listSkippedItems} from '../../../src/services/sync/skipped.js'
import {listTransactions, showTransaction} from '../../../src/services/transactions.js'
import type {LedgerHandle} from '../../../src/store/ops/ledger-handle.js'
import {all, type Ops} from '../../../src/store/ops/op.js'
import {insertAlertTarget} from '../../../src/store/repos/alerts.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {upsertRates} from '../../../src/store/repos/fx.js'
import {addGrant, listGrants} from '../../../src/store/repos/grants.js'
import {customerBalances, siteBalances} from '../../../src/store/repos/ledger.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {insertRetry} from '../../../src/store/repos/retries.js'
import {insertAttempt} from '../../../src/store/repos/retries-attempts.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {startRun} from '../../../src/store/repos/sync-state.js'
import {testPostgres} from '../../helpers/postgres.js'
import {type HandleEngine, type HandleUnderTest, handleEngines} from '../../store/ops/engines.js'
import {denseSeqs} from '../../helpers/dense-seqs.js'

const postgres = await testPostgres()

/**
 * The sync's apply path on both engines, through the handle a PostgreSQL ledger is used by: a page committed with
 * commitPage.ops (payments, a refund, a dispute, a failed payment the retry queue takes, a retry's own payment that
 * settles its attempt, a customer the provider may not write, a refund whose payment comes on the next page, an
 * unreadable object, a skipped one), the replay after a grant, and what `transactions`, `quarantine` and `sync
 * skipped` report. Each engine must give the real outcomes, and the two the same ledger, row for row.
 */
const T0 = '2026-03-01T10:00:00.000Z'
const NOW = Date.parse('2026-03-01T10:05:00.000Z')
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString()

const ctx = {actor: 'tester'} as AppContext

const scope = (): ApplyScope => ({
  provider: 'acme',
  kind: 'stripe',
  actor: 'sync-test',
  source: 'pull',
  grants: [],
  latencySince: T0,
  customers: new Map(),
})

function txn(externalId: string, over: Partial<NormalizedTxn> = {}): NormalizedTxn {
  return {
    id: `acme:${externalId}`,
    provider: 'acme',
    kind: 'stripe',
    externalId,
    parentExternalId: null,
    type: 'payment',
    status: 'succeeded',
    amount: {minor: 10_000, currency: 'EUR'},
    fee: null,
    net: null,
    customerRef: 'cus_1',
    invoiceRef: null,
    siteRef: null,
    failure: null,
    occurredAt: at(0),
    updatedAt: at(0),
    metadata: {},
    ...over,
  }
}

const RETRIED = 'acme:ch_old'
const KEY = retryKey(RETRIED, 1)

function* seed(): Ops<number> {
  yield* upsertSites.ops([
    {id: 'berlin', name: 'Berlin', currency: 'EUR'},
    {id: 'boston', name: 'Boston', currency: 'USD'},
  ])
  yield* upsertCustomers.ops([
    {id: 'c1', site: 'berlin', segment: 'retail', refs: {stripe: 'cus_1'}},
    {id: 'c2', site: 'boston', segment: 'retail', refs: {stripe: 'cus_2'}},
    {id: 'c3', site: 'berlin', segment: 'vip', refs: {stripe: 'cus_3'}},
  ])
  yield* insertProvider.ops({id: 'acme', kind: 'stripe', sites: ['berlin', 'boston']})
  yield* addGrant.ops({provider: 'acme', segment: 'retail', site: '*', access: 'write'})
  // c2's EUR balance is shown in Boston's USD: the balance alert converts it with this rate.
  yield* upsertRates.ops([{date: '2026-02-27', base: 'EUR', quote: 'USD', rate: '1.0800', source: 'manual'}])
  yield* insertAlertTarget.ops(
    {
      id: 'ops',
      url: 'https://alerts.example.com/hook',
      format: 'standard',
      events: ['failed_transaction', 'balance_changed', 'access_denied', 'retry_exhausted'],
    },
    T0,
  )
  // An earlier failure whose first retry was sent: the page brings that retry's payment.
  const chain = yield* insertRetry.ops({
    txnId: RETRIED,
    provider: 'acme',
    customerId: 'c1',
    siteId: 'berlin',
    invoiceRef: 'inv-old',
    amount: {minor: 4_000, currency: 'EUR'},
    failureCode: 'insufficient_funds',
    failedAt: at(-120),
    nextAt: at(-60),
    note: 'queued',
    now: at(-120),
  })
  yield* insertAttempt.ops({
    retryId: chain!,
    seq: 1,
    slot: 1,
    provider: 'acme',
    route: 'primary',
    routeReason: 'the primary',
    methodRef: 'pm_1',
    idempotencyKey: KEY,
    requestJson: '{}',
    now: at(-60),
  })
  return yield* startRun.ops('acme', 'host-1')
}

const run = (runId: number): RunRef => ({runId, lease: {name: 'sync:acme', owner: 'host-1', ttlMs: 60_000}})

function page1(): PageCommit {
  return {
    page: {
      items: serializeItems(
        [
          txn('ch_1', {fee: {minor: 320, currency: 'EUR'}, net: {minor: 9_680, currency: 'EUR'}}),
          txn('ch_2', {customerRef: 'cus_2', amount: {minor: 5_000, currency: 'EUR'}}),
          txn('re_1', {type: 'refund', parentExternalId: 'ch_1', amount: {minor: 2_500, currency: 'EUR'}}),
          txn('dp_2', {
            type: 'dispute',
            status: 'disputed',
            parentExternalId: 'ch_2',
            amount: {minor: 5_000, currency: 'EUR'},
          }),
          txn('ch_fail', {
            status: 'failed',
            amount: {minor: 7_500, currency: 'EUR'},
            invoiceRef: 'inv-9',
            failure: {code: 'insufficient_funds', message: 'declined', decision: 'retry'},
          }),
          txn('ch_retry', {amount: {minor: 4_000, currency: 'EUR'}, metadata: {yms_retry_key: KEY}}),
          txn('ch_vip', {customerRef: 'cus_3', amount: {minor: 9_900, currency: 'EUR'}}),
          txn('re_late', {type: 'refund', parentExternalId: 'ch_late', amount: {minor: 1_000, currency: 'EUR'}}),
        ].map((t) => ({txn: t, raw: {id: t.externalId}})),
      ),
      invalid: [{externalId: 'ch_bad', reason: 'invalid_payload', detail: 'amount: not a number', raw: {amount: 'x'}}],
      skipped: serializeSkipped([{externalId: 'hold_1', code: 'T1110', reason: 'a dispute hold', raw: {id: 'h'}}]),
      next: {after: 'ch_late'},
    },
    pageNo: 1,
    calls: [
      {
        provider: 'acme',
        endpoint: '/v1/charges',
        method: 'GET',
        status: 200,
        outcome: 'ok',
        durationMs: 12,
        attempt: 1,
        at: Date.parse(T0),
      },
    ],
  }
}

/** The refund's payment arrives; ch_1 comes again unchanged (an overlapping window). */
function page2(): PageCommit {
  return {
    page: {
      items: serializeItems(
        [
          txn('ch_late', {occurredAt: at(1), updatedAt: at(1)}),
          txn('ch_1', {fee: {minor: 320, currency: 'EUR'}, net: {minor: 9_680, currency: 'EUR'}}),
        ].map((t) => ({txn: t, raw: {id: t.externalId}})),
      ),
      invalid: [],
      next: {after: 'ch_1'},
    },
    pageNo: 2,
    calls: [],
  }
}

/** Everything the apply wrote, as rows, for comparing one engine's ledger with the other's. */
function* ledgerRows() {
  const rows = (sql: string) => all(sql)
  return denseSeqs({
    transactions: yield* rows('SELECT * FROM transactions ORDER BY id'),
    states: yield* rows('SELECT * FROM transaction_states ORDER BY txn_id, version'),
    postings: yield* rows('SELECT * FROM ledger_postings ORDER BY txn_seq, version, account, currency'),
    balances: yield* rows('SELECT * FROM ledger_balances ORDER BY account, currency, site'),
    retries: yield* rows('SELECT * FROM retries ORDER BY id'),
    attempts: yield* rows('SELECT * FROM retry_attempts ORDER BY id'),
    declineCodes: yield* rows('SELECT * FROM decline_codes ORDER BY provider, code'),
    // The message id is random per process, by design (raise.ts).
    outbox: yield* rows(
      'SELECT seq, event, subject, provider, customer, site, order_key, dedup_key, payload, raised_at FROM alerts_outbox ORDER BY seq',
    ),
    deliveries: yield* rows('SELECT * FROM alert_deliveries ORDER BY outbox_seq, target_id'),
    quarantine: yield* rows('SELECT * FROM quarantine ORDER BY id'),
    skipped: yield* rows('SELECT * FROM sync_skipped ORDER BY id'),
    runs: yield* rows('SELECT * FROM sync_runs ORDER BY id'),
    cursors: yield* rows('SELECT * FROM sync_cursors ORDER BY provider'),
    calls: yield* rows('SELECT * FROM gateway_calls ORDER BY id'),
    latency: yield* rows('SELECT * FROM sync_latency ORDER BY txn_id'),
    audit: yield* rows('SELECT * FROM audit_log ORDER BY seq'),
  })
}

interface Outcome {
  counts: unknown[]
  replay: unknown
  rows: Awaited<ReturnType<typeof snapshot>>
  reports: Awaited<ReturnType<typeof reports>>
}

async function snapshot(handle: LedgerHandle) {
  return handle.read(ledgerRows())
}

async function reports(handle: LedgerHandle) {
  return {
    list: await handle.read(listTransactions.ops({limit: 100})),
    show: await handle.read(showTransaction.ops('acme:ch_1')),
    quarantined: await handle.read(listQuarantined.ops({status: 'all', limit: 100})),
    skipped: await handle.read(listSkippedItems.ops({raw: true})),
    siteBalances: await handle.read(siteBalances.ops()),
    c1: await handle.read(customerBalances.ops('c1')),
    c2: await handle.read(customerBalances.ops('c2')),
    c3: await handle.read(customerBalances.ops('c3')),
    audit: await handle.read(verifyAudit.ops()),
  }
}

/** The scenario, the same on either engine. */
async function scenario(h: HandleUnderTest): Promise<Outcome> {
  const {handle} = h
  const runId = await handle.write(seed())
  const s = {...scope(), grants: await handle.read(listGrants.ops('acme'))}
  const counts = [
    await handle.write(commitPage.ops(s, run(runId), page1())),
    await handle.write(commitPage.ops(s, run(runId), page2())),
  ]
  // The vip customer's payment waits for a grant; given one, the replay applies it.
  await handle.write(addGrant.ops({provider: 'acme', segment: 'vip', site: 'berlin', access: 'write'}))
  const replay = await replayQuarantined(handle, ctx, {all: true})
  return {counts, replay, rows: await snapshot(handle), reports: await reports(handle)}
}

const engines = handleEngines(postgres)
const opened: HandleUnderTest[] = []
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close()
})

async function open(engine: HandleEngine): Promise<HandleUnderTest> {
  const h = await engine.open(() => NOW)
  opened.push(h)
  return h
}

describe.each(engines)('the apply path on $engine', (engine) => {
  it.skipIf(engine.skip !== undefined)(
    'posts, quarantines, queues, settles, alerts and reports a realistic page',
    async () => {
      const {counts, replay, rows, reports: r} = await scenario(await open(engine))

      expect(counts[0]).toEqual({
        fetched: 10,
        inserted: 6,
        updated: 0,
        unchanged: 0,
        quarantined: 3, // ch_vip (access denied), re_late (awaiting its payment), ch_bad (unreadable)
        skipped: 1,
        posted: expect.any(Number),
      })
      expect(counts[1]).toMatchObject({fetched: 2, inserted: 2, unchanged: 1}) // ch_late brings re_late along
      expect(replay).toEqual({considered: 2, applied: 1, stillQuarantined: 0, notReplayable: 1})

      // In credit (negative) by what c1 paid: ch_1, the retry's payment and ch_late, less the refunds of ch_1 and
      // of ch_late (which waited for its payment). c2's payment is all disputed; c3's came in with the replay.
      expect(r.c1).toEqual([{minor: -10_000 + 2_500 - 4_000 - 10_000 + 1_000, currency: 'EUR'}])
      expect(r.c2).toEqual([])
      expect(r.c3).toEqual([{minor: -9_900, currency: 'EUR'}])
      expect(r.audit).toMatchObject({ok: true})

      // The failed payment entered the queue; the retry's own payment recovered its chain.
      expect(rows.retries.map((q) => [q.txn_id, q.status])).toEqual([
        [RETRIED, 'recovered'],
        ['acme:ch_fail', 'queued'],
      ])
      expect(rows.attempts.map((a) => a.status)).toEqual(['succeeded'])
      expect(rows.declineCodes.map((d) => [d.code, d.seen_count])).toEqual([['insufficient_funds', 1]])
      expect(rows.outbox.map((o) => [o.event, o.subject])).toEqual(
        expect.arrayContaining([
          ['failed_transaction', 'acme:ch_fail'],
          ['access_denied', 'acme:ch_vip'],
          ['balance_changed', 'c1'],
          ['balance_changed', 'c2'],
        ]),
      )
      const c2Alert = rows.outbox.find((o) => o.event === 'balance_changed' && o.subject === 'c2')!
      expect(JSON.parse(c2Alert.payload as string).data.inBase).toMatchObject({currency: 'USD', minor: -5_400})
      expect(rows.deliveries.length).toBe(rows.outbox.length)
      expect(rows.audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['access.denied', 'retry.queued', 'retry.recovered', 'sync.page', 'quarantine.replay']),
      )
      expect(rows.cursors).toHaveLength(1)
      expect(rows.calls).toHaveLength(1)
      expect(rows.runs[0]).toMatchObject({pages: 2, fetched: 12, quarantined: 3, skipped: 1})

      expect(r.list.map((t) => t.id)).toContain('acme:ch_vip')
      expect(r.show.postings.length).toBeGreaterThan(0)
      expect(r.show.audit).toEqual([])
      expect(r.quarantined.map((q) => [q.externalId, q.reason, q.status])).toEqual(
        expect.arrayContaining([
          ['ch_vip', 'access_denied', 'replayed'],
          ['re_late', 'awaiting_parent', 'resolved'],
          ['ch_bad', 'invalid_payload', 'open'],
        ]),
      )
      expect(r.skipped).toMatchObject([{externalId: 'hold_1', code: 'T1110', raw: {id: 'h'}}])
    },
  )
})

describe.skipIf(postgres.skip !== undefined)('the apply path, engine against engine', () => {
  it('leaves the same ledger, row for row, and the same reports', async () => {
    const [sqlite, pg] = [engines.find((e) => e.engine === 'sqlite')!, engines.find((e) => e.engine === 'postgres')!]
    const a = await scenario(await open(sqlite))
    const b = await scenario(await open(pg))
    expect(b.counts).toEqual(a.counts)
    expect(b.replay).toEqual(a.replay)
    for (const table of Object.keys(a.rows) as Array<keyof Outcome['rows']>)
      expect(b.rows[table], table).toEqual(a.rows[table])
    expect(b.reports).toEqual(a.reports)
  })
})
