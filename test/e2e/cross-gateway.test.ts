import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AppContext} from '../../src/app/context.js'
import {GATEWAY_KINDS, type GatewayKind} from '../../src/gateways/registry.js'
import type {NormalizedTxn} from '../../src/core/transaction.js'
import {loadEmulator} from '../../src/sandbox/registry.js'
import type {GatewayEmulator} from '../../src/sandbox/emulator.js'
import {exportScenario} from '../../src/sandbox/export.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {scenarioEvents} from '../../src/sandbox/model.js'
import {serveSandbox, type RunningSandbox} from '../../src/sandbox/serve.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../src/sandbox/truth.js'
import {importCustomers} from '../../src/services/customers.js'
import {importInvoices} from '../../src/services/invoices.js'
import {importSites} from '../../src/services/sites.js'
import {applyItems, serializeItems} from '../../src/services/sync/apply.js'
import {openSecretStore} from '../../src/services/secret-store.js'
import {connectProvider} from '../../src/services/sync/connect.js'
import {runSync} from '../../src/services/sync/sync.js'
import {openDatabase, type Db} from '../../src/store/db.js'
import {type LedgerHandle, sqliteHandle} from '../../src/store/ops/ledger-handle.js'
import {all, type Ops, value, values} from '../../src/store/ops/op.js'
import {listGrants} from '../../src/store/repos/grants.js'
import {getProvider} from '../../src/store/repos/providers.js'
import {storedTransactions} from '../../src/store/repos/transactions.js'
import {copiedToPostgres} from '../helpers/copied-to-postgres.js'
import {unbalancedSets} from '../helpers/ledger-checks.js'
import {testPostgres} from '../helpers/postgres.js'
import {connectSandboxGateways} from '../helpers/sync-world.js'

// One world, every payment rendered by all five gateways ("share all"), synced through the whole engine into one
// ledger. Each gateway must match the world's truth exactly, and so the five must agree with each other per customer.
const START = '2026-06-01T00:00:00.000Z'
const END = '2026-08-01T00:00:00.000Z'
const AT = '2026-08-02T00:00:00.000Z'

const scenario = generateScenario({seed: 2026, customers: 30, transactions: 400, start: START, end: END})
const postgres = await testPostgres()

type Movement = {account: string; currency: string; minor: number}

/**
 * What the tests check, read in one snapshot before the ledger closes: on PostgreSQL the test database is dropped
 * after the first test.
 */
interface Facts {
  /** Each gateway's payments, refunds and disputes as stored. */
  customerTxns: Map<GatewayKind, NormalizedTxn[]>
  openQuarantine: Map<GatewayKind, number>
  txns: Map<string, {customer_id: string | null; parent_external_id: string | null}>
  /** Per gateway, in GATEWAY_KINDS' order: each customer account's sum per currency. */
  movements: Movement[][]
  unbalanced: unknown[]
  currencies: string[]
}

function* readFacts(): Ops<Facts> {
  const facts: Facts = {
    customerTxns: new Map(),
    openQuarantine: new Map(),
    txns: new Map(),
    movements: [],
    unbalanced: yield* unbalancedSets(),
    currencies: yield* values<string>('SELECT DISTINCT currency FROM transactions ORDER BY currency'),
  }
  for (const kind of GATEWAY_KINDS) {
    const stored = (yield* storedTransactions.ops(kind)).map((s) => s.txn)
    facts.customerTxns.set(
      kind,
      stored.filter((t) => ['payment', 'refund', 'dispute'].includes(t.type)),
    )
    const open = yield* value(`SELECT COUNT(*) FROM quarantine WHERE provider = ? AND status = 'open'`, [kind])
    facts.openQuarantine.set(kind, Number(open))
    const sums = yield* all<{account: string; currency: string; minor: number | bigint | string}>(
      `SELECT account, currency, SUM(amount_minor) AS minor FROM ledger_postings WHERE provider = ? AND account LIKE 'customer:%' GROUP BY account, currency ORDER BY account, currency`,
      [kind],
    )
    // PostgreSQL's SUM may come back as text or BigInt: the minor units as numbers on both engines.
    facts.movements.push(sums.map((s) => ({account: s.account, currency: s.currency, minor: Number(s.minor)})))
  }
  const rows = yield* all<{id: string; customer_id: string | null; parent_external_id: string | null}>(
    'SELECT id, customer_id, parent_external_id FROM transactions',
  )
  for (const {id, ...row} of rows) facts.txns.set(id, row)
  return facts
}

/** The ledger on each engine: on PostgreSQL the home is set up on SQLite and copied in before the sync. */
describe.each([
  {engine: 'sqlite', skip: undefined},
  {engine: 'postgres', skip: postgres.skip},
])('one scenario through all five gateways ($engine)', ({engine, skip}) => {
  let sandbox: RunningSandbox | undefined
  let db: Db | undefined
  let facts: Facts
  const emulators = new Map<GatewayKind, GatewayEmulator>()

  beforeAll(async () => {
    if (skip !== undefined) return
    const factories = new Map<GatewayKind, Awaited<ReturnType<typeof loadEmulator>>>()
    for (const kind of GATEWAY_KINDS) factories.set(kind, await loadEmulator(kind))
    const clock = {now: () => Date.parse(AT)}
    sandbox = await serveSandbox({
      seed: 1,
      emulators: {
        kinds: GATEWAY_KINDS,
        create: (kind, {baseUrl}) => {
          const emulator = factories.get(kind)!({scenario, share: 'all', clock, baseUrl})
          emulators.set(kind, emulator)
          return emulator
        },
      },
    })
    const home = mkdtempSync(join(tmpdir(), 'yms-cross-'))
    const env: NodeJS.ProcessEnv = {}
    const ctx: AppContext = {
      home: {dataDir: home, configDir: home, dbFile: join(home, 'ledger.db'), source: 'flag'},
      actor: 'test',
      env,
      terminal: {color: false, interactive: false, stdoutIsTty: false},
      now: () => Date.parse(AT),
      note: () => undefined,
      warn: () => undefined,
    }
    db = openDatabase(ctx.home.dbFile)
    const files = (await exportScenario(scenario, home)).files
    await importSites(sqliteHandle(db), ctx, files.sites)
    await importCustomers(sqliteHandle(db), ctx, files.customers)
    await importInvoices(sqliteHandle(db), ctx, files.invoices)
    await connectSandboxGateways(db, ctx, sandbox.gateways)
    // The file's own clock, as the SQLite Db above keeps it.
    const copy = engine === 'postgres' ? await copiedToPostgres(db, postgres, {now: () => Date.now()}) : undefined
    const ledger: LedgerHandle = copy?.ledger ?? sqliteHandle(db)
    try {
      const never = new AbortController().signal
      // Four providers at once (the default), every gateway rendering every customer: on PostgreSQL their pages
      // post to the same balance rows, and once took them in different orders (15 to 28 deadlocks broken a run, a
      // provider failed in 2 runs of 6). Writers that post now queue on the audit chain's lock (apply.ts): none.
      const result = await runSync(ledger, ctx, {signals: {stop: never, abort: never}, since: START})
      expect(copy?.conflicts() ?? 0).toBe(0)
      expect(result.runs.map((r) => `${r.provider}:${r.status}:${r.error ?? ''}`).sort()).toEqual(
        GATEWAY_KINDS.map((k) => `${k}:ok:`).sort(),
      )
      // Adyen has no list API: what the settlement reports cannot say (failures, pending, final losses) arrives by
      // webhook. Feed its webhooks through its verifier and the same apply the webhook server will use.
      const adyen = (await ledger.read(getProvider.ops('adyen')))!
      const secrets = await ledger.read(openSecretStore.ops(ctx))
      const {client} = await connectProvider(ctx, adyen, {purpose: 'webhooks', secrets})
      const url = 'http://127.0.0.1/webhooks/adyen'
      const scope = {
        provider: 'adyen',
        kind: 'adyen' as const,
        actor: 'test',
        source: 'webhook' as const,
        grants: await ledger.read(listGrants.ops('adyen')),
        latencySince: null,
        customers: new Map(),
      }
      for (const hook of emulators.get('adyen')!.webhooks(scenarioEvents(scenario.payments), url)) {
        const verified = await client.verifyWebhook({headers: hook.headers, rawBody: Buffer.from(hook.body), url})
        expect(verified.ok).toBe(true)
        if (!verified.ok) continue
        const items = verified.events.flatMap((e) => (e.kind === 'txn' ? [e.item] : []))
        await ledger.write(() => applyItems.ops(scope, serializeItems(items), []))
      }
      facts = await ledger.read(readFacts())
    } finally {
      await copy?.close()
    }
  }, 120_000)

  afterAll(async () => {
    db?.close()
    await sandbox?.close()
  })

  describe.skipIf(skip !== undefined)('the ledger', () => {
    it.each(GATEWAY_KINDS)(
      '%s: payments, refunds and disputes equal the world (ids aside), nothing quarantined',
      (kind) => {
        const expected = expectedTransactions(scenario, emulators.get(kind)!, 'all', AT)
        const comparison = compareWithTruth(facts.customerTxns.get(kind)!, expected)
        expect(comparison.ok, formatComparison(comparison)).toBe(true)
        expect(facts.openQuarantine.get(kind)).toBe(0)
      },
    )

    it('every gateway resolved each object to the same YMS customer and linked refunds/disputes to the right payment', () => {
      for (const kind of GATEWAY_KINDS) {
        const emulator = emulators.get(kind)!
        for (const payment of scenario.payments) {
          const row = facts.txns.get(`${kind}:${emulator.externalId('payment', payment.key)}`)
          expect(row?.customer_id, `${kind} ${payment.key}`).toBe(payment.customer)
          for (const refund of payment.refunds) {
            const r = facts.txns.get(`${kind}:${emulator.externalId('refund', refund.key)}`)
            expect(r, `${kind} ${refund.key}`).toEqual({
              customer_id: payment.customer,
              parent_external_id: emulator.externalId('payment', payment.key),
            })
          }
        }
      }
    })

    it("each customer's ledger movements are identical through every gateway, to the minor unit", () => {
      const perGateway = facts.movements
      expect(perGateway[0]!.length).toBeGreaterThan(10)
      for (const other of perGateway.slice(1)) expect(other).toEqual(perGateway[0])
      expect(facts.unbalanced).toEqual([])
      // Zero- and three-decimal currencies went through every gateway's own exponent rules and came out ISO.
      expect(facts.currencies).toEqual(['EUR', 'JPY', 'KWD', 'USD'])
    })
  })
})
