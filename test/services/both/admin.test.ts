import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import type {AppContext} from '../../../src/app/context.js'
import {exportAudit, listAudit, verifyAudit} from '../../../src/services/audit.js'
import {backupLedger} from '../../../src/services/backup.js'
import {exportBalances} from '../../../src/services/customers-export.js'
import {importCustomers, listCustomers, showCustomer} from '../../../src/services/customers.js'
import {checkPgLedger} from '../../../src/services/doctor/pg-checks.js'
import {getLifetimeTotals, getMetrics, getRetryTotals} from '../../../src/services/metrics.js'
import {
  addProvider,
  grantAccess,
  listProviders,
  removeProvider,
  revokeAccess,
  setProviderEnabled,
  updateProvider,
} from '../../../src/services/providers.js'
import {openSecretStore} from '../../../src/services/secret-store.js'
import {addSite, importSites, listSites} from '../../../src/services/sites.js'
import {getStatus} from '../../../src/services/status.js'
import {createMemoryKeychain} from '../../../src/secrets/index.js'
import type {LedgerHandle} from '../../../src/store/ops/ledger-handle.js'
import {engine, type Ops, run} from '../../../src/store/ops/op.js'
import {insertPostings} from '../../../src/store/repos/ledger.js'
import {upsertRates} from '../../../src/store/repos/fx.js'
import {finishRun, recordCalls, startRun} from '../../../src/store/repos/sync-state.js'
import {testContext} from '../../helpers/sync-world.js'
import {testPostgres} from '../../helpers/postgres.js'
import {handleEngines, type HandleUnderTest} from '../../store/ops/engines.js'
import {tempDir} from '../../store/helpers.js'

const postgres = await testPostgres()

const T0 = Date.parse('2026-03-02T12:00:00.000Z')

/** A provider of no interest beyond being there. */
/** A rule of the store that refuses a row mid-way (after its customer is inserted), in each engine's own words. */
function* refuseRef(): Ops<void> {
  if ((yield* engine()) === 'sqlite') {
    yield* run(`CREATE TRIGGER test_refuse_ref BEFORE INSERT ON customer_refs WHEN NEW.external_ref = 'cus_refused'
      BEGIN SELECT RAISE(ABORT, 'the store refuses cus_refused'); END`)
    return
  }
  yield* run(`CREATE FUNCTION test_refuse_ref() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.external_ref = 'cus_refused' THEN
        RAISE EXCEPTION 'the store refuses cus_refused' USING ERRCODE = '23514';
      END IF;
      RETURN NEW;
    END $$`)
  yield* run(
    `CREATE TRIGGER test_refuse_ref BEFORE INSERT ON customer_refs FOR EACH ROW EXECUTE FUNCTION test_refuse_ref()`,
  )
}

const ADD = {
  kind: 'stripe' as const,
  baseUrl: null,
  sites: [],
  settings: {},
  segments: [],
  fallback: null,
  retrySchedule: null,
  maxRetries: null,
}

/** What the admin's reports said on each engine, compared once both have run. */
const seen = new Map<string, unknown>()

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

// One folder for the input files of both engines: the file's path is the import's audit subject, which the audit
// hash chain covers, and the two logs are compared row for row.
const inputs = tempDir()
afterAll(() => inputs.cleanup())

function world(h: HandleUnderTest) {
  const dir = inputs.dir
  const warnings: string[] = []
  // A fixed clock for the ledger and the context alike: both engines write the same times, so their reports match.
  const ctx: AppContext = {...testContext(dir, {}, () => T0), actor: 'admin', warn: (m) => void warnings.push(m)}
  const file = (name: string, text: string) => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }
  return {ledger: h.handle, ctx, warnings, file}
}

describe.each(handleEngines(postgres))('the admin group on $engine', ({engine, skip, open}) => {
  let h: HandleUnderTest
  afterEach(async () => h?.close())

  it.skipIf(skip !== undefined)(
    'sites, a customers import that rejects its bad rows alone, a provider with its grants, and the reports over them',
    async () => {
      h = await open(() => T0)
      const {ledger, ctx, warnings, file} = world(h)
      const keychain = createMemoryKeychain()
      const secrets = await ledger.read(openSecretStore.ops(ctx, {backend: keychain}))

      await ledger.write(
        addSite.ops(ctx, {id: 'berlin', name: 'Berlin Mitte', currency: 'EUR', country: 'de', timezone: null}),
      )
      const sites = await importSites(
        ledger,
        ctx,
        file(
          'sites.csv',
          'id,name,currency,country,timezone\ntokyo,Tokyo Ginza,JPY,JP,Asia/Tokyo\nberlin,Berlin,EUR,DE,\n',
        ),
      )
      expect(sites).toEqual({inserted: 1, updated: 1, unchanged: 0, rejected: []})
      expect((await ledger.read(listSites.ops())).map((s) => [s.id, s.name, s.country])).toEqual([
        ['berlin', 'Berlin', 'DE'],
        ['tokyo', 'Tokyo Ginza', 'JP'],
      ])

      // Line 4 names a site that does not exist, line 6 a Stripe id line 2 already holds, and line 8 a Stripe id
      // the store's trigger refuses after the row's customer was inserted: each is undone in its own savepoint, and
      // the lines beside them land in the same batch (the file is one batch).
      await ledger.write(refuseRef())
      const customers = await importCustomers(
        ledger,
        ctx,
        file(
          'customers.csv',
          [
            'id,site,segment,name,email,ref.stripe',
            'c1,berlin,retail,Anna,anna@example.com,cus_1',
            'c2,tokyo,retail,Bo,,cus_2',
            'c3,atlantis,retail,Cy,,',
            'c4,berlin,wholesale,Di,not-an-email,',
            'c5,berlin,retail,Ed,,cus_1',
            'c6,tokyo,,Flo,,',
            'c7,berlin,retail,Gus,,cus_refused',
          ].join('\n'),
        ),
      )
      expect(customers.inserted).toBe(3)
      expect(customers.rejected).toEqual([
        {line: 4, error: 'unknown site "atlantis"'},
        {line: 5, error: 'email: not an email address'},
        {line: 6, error: 'ref.stripe "cus_1" already belongs to customer "c1"'},
        {line: 8, error: expect.stringContaining('the store refuses cus_refused') as unknown},
      ])
      expect((await ledger.read(listCustomers.ops({}))).map((c) => [c.id, c.site, c.refs])).toEqual([
        ['c1', 'berlin', {stripe: 'cus_1'}],
        ['c2', 'tokyo', {stripe: 'cus_2'}],
        ['c6', 'tokyo', {}],
      ])

      const provider = await addProvider(
        ledger,
        ctx,
        {
          id: 'acme-stripe',
          kind: 'stripe',
          baseUrl: null,
          sites: ['berlin'],
          settings: {},
          segments: ['retail'],
          fallback: null,
          retrySchedule: null,
          maxRetries: null,
          secrets: {api_key: 'sk_test_admin'},
        },
        secrets,
      )
      expect(keychain.entries.size).toBe(1)
      expect(provider.grants).toEqual([{segment: 'retail', site: 'berlin', access: 'write'}])
      expect(provider.secrets.map((s) => [s.field, s.source])).toEqual([
        ['api_key', 'keychain'],
        ['webhook_secret', null],
      ])
      expect(warnings).toEqual([expect.stringMatching(/^secret webhook_secret \(needed only to verify webhooks\)/)])
      await expect(
        addProvider(ledger, ctx, {...ADD, id: 'acme-stripe', secrets: {api_key: 'sk_other'}}, secrets),
      ).rejects.toThrow(/already exists/)

      expect(
        await ledger.write(grantAccess.ops(ctx, 'acme-stripe', {segment: '*', site: 'tokyo', access: 'read'})),
      ).toEqual({provider: 'acme-stripe', changed: true})
      expect(await ledger.write(revokeAccess.ops(ctx, 'acme-stripe', {segment: 'vip', site: '*'}))).toEqual({
        provider: 'acme-stripe',
        changed: false,
      })
      await updateProvider(ledger, ctx, 'acme-stripe', {retrySchedule: '1d,3d'}, secrets)
      await addProvider(ledger, ctx, {...ADD, id: 'spare', secrets: {}}, secrets)
      await setProviderEnabled(ledger, ctx, 'spare', false, secrets)
      const removed = await removeProvider(ledger, ctx, 'spare', {purge: true}, secrets)
      expect(removed).toEqual({id: 'spare', removed: true, purged: true, secretsDeleted: []})
      const listed = await listProviders(ledger, ctx, secrets)
      expect(listed.map((p) => [p.id, p.retrySchedule, p.grants.length])).toEqual([['acme-stripe', '1d,3d', 2]])

      // What a sync would have left: a run, its gateway calls, postings, and a rate to convert the JPY with.
      await ledger.write(
        (function* () {
          const run = yield* startRun.ops('acme-stripe', 'host-a')
          yield* finishRun.ops(run, 'ok', null)
          yield* recordCalls.ops([
            {
              provider: 'acme-stripe',
              endpoint: '/v1/charges',
              method: 'GET',
              status: 200,
              durationMs: 40,
              outcome: 'ok',
              attempt: 1,
              at: T0 - 120_000,
            },
            {
              provider: 'acme-stripe',
              endpoint: '/v1/charges',
              method: 'GET',
              status: 503,
              durationMs: 90,
              outcome: 'http_error',
              attempt: 1,
              at: T0 - 60_000,
            },
          ])
          yield* insertPostings.ops(
            {document: 'invoice:i1'},
            1,
            [
              {account: 'customer:c1', minor: 12_345, currency: 'EUR'},
              {account: 'revenue:berlin', minor: -12_345, currency: 'EUR'},
            ],
            {provider: null, site: 'berlin', customer: 'c1'},
          )
          yield* insertPostings.ops(
            {document: 'invoice:i2'},
            1,
            [
              {account: 'customer:c2', minor: 5_000, currency: 'JPY'},
              {account: 'customer:c2', minor: 700, currency: 'EUR'},
              {account: 'revenue:tokyo', minor: -5_000, currency: 'JPY'},
              {account: 'revenue:tokyo', minor: -700, currency: 'EUR'},
            ],
            {provider: null, site: 'tokyo', customer: 'c2'},
          )
          yield* upsertRates.ops([{date: '2026-03-01', base: 'EUR', quote: 'JPY', rate: '160', source: 'manual'}])
        })(),
      )

      const status = await ledger.read(getStatus.ops(ctx))
      expect(status.providers).toEqual([
        expect.objectContaining({id: 'acme-stripe', health: 'degraded', uptimePctLastHour: 50, failures24h: 0}),
      ])
      expect(status.sites.find((s) => s.id === 'tokyo')).toMatchObject({
        balances: [
          {minor: 700, currency: 'EUR', inBase: {minor: 1_120, currency: 'JPY'}, rate: '160.0000000000'},
          {minor: 5_000, currency: 'JPY', inBase: {minor: 5_000, currency: 'JPY'}},
        ],
        totalInBase: {minor: 6_120, currency: 'JPY'},
      })
      const metrics = await ledger.read(getMetrics.ops(ctx, {window: '1h'}))
      expect(metrics.providers).toEqual([
        expect.objectContaining({provider: 'acme-stripe', calls: 2, errors: 1, uptimePct: 50}),
      ])
      const totals = await ledger.read(
        (function* () {
          return {lifetime: yield* getLifetimeTotals.ops(), retries: yield* getRetryTotals.ops()}
        })(),
      )
      const customer = await ledger.read(showCustomer.ops(ctx, 'c2'))
      expect(customer.baseBalance).toEqual({minor: 6_120, currency: 'JPY'})
      const exported = await ledger.read(exportBalances.ops(ctx, {site: 'tokyo'}))
      expect(exported.customers.map((c) => [c.id, c.baseBalance])).toEqual([
        ['c2', {minor: 6_120, currency: 'JPY'}],
        ['c6', {minor: 0, currency: 'JPY'}],
      ])

      const audit = await ledger.read(listAudit.ops({}))
      expect(audit.map((r) => [r.action, r.outcome])).toEqual([
        ['site.add', 'ok'],
        ['site.import', 'ok'],
        ['customer.import', 'partial'],
        ['provider.add', 'ok'],
        ['provider.grant', 'ok'],
        ['provider.revoke', 'unchanged'],
        ['provider.update', 'ok'],
        ['provider.add', 'ok'],
        ['provider.disable', 'ok'],
        ['provider.remove', 'ok'],
      ])
      expect(audit[2]!.details).toEqual({inserted: 3, updated: 0, unchanged: 0, rejected: 4})
      expect(await ledger.read(verifyAudit.ops())).toEqual({ok: true, rows: 10})
      const streamed: string[] = []
      expect(await ledger.read(exportAudit.ops('csv', (chunk) => void streamed.push(chunk)))).toBe(10)
      expect(streamed).toHaveLength(11)
      expect(streamed[3]).toMatch(/^3,2026-03-02T12:00:00\.000Z,admin,customer\.import,/)

      seen.set(engine, {
        status,
        metrics,
        totals: [...totals.lifetime],
        retries: [...totals.retries],
        customer,
        exported,
        audit,
        streamed,
      })
    },
  )

  it.skipIf(skip !== undefined)(
    'backup copies a SQLite file, and refuses a PostgreSQL ledger naming pg_dump',
    async () => {
      h = await open(() => T0)
      const {ledger} = world(h)
      const {dir, cleanup} = tempDir()
      cleanups.push(cleanup)
      const backup = backupLedger(ledger, join(dir, 'ledger.bak'))
      if (engine === 'sqlite') await expect(backup).resolves.toMatchObject({file: join(dir, 'ledger.bak')})
      else
        await expect(backup).rejects.toMatchObject({
          exitCode: 78,
          code: 'backup_not_sqlite',
          hint: expect.stringContaining('pg_dump'),
        })
    },
  )
})

describe.skipIf(postgres.skip !== undefined)('the same reports from both engines', () => {
  afterAll(() => seen.clear())

  it('status, metrics, a customer, the balance export and the audit log are equal, value for value', () => {
    expect(seen.size).toBe(2)
    expect(seen.get('postgres')).toEqual(seen.get('sqlite'))
  })
})

describe.skipIf(postgres.skip !== undefined)('the doctor of a PostgreSQL ledger', () => {
  const pg = handleEngines(postgres).find((e) => e.engine === 'postgres')!
  let h: HandleUnderTest | undefined
  afterEach(async () => h?.close())

  it("reports SQLite's file checks as n/a and checks the server, the schema and the audit chain", async () => {
    h = await pg.open(() => T0)
    const {ledger, ctx} = world(h)
    await ledger.write(addSite.ops(ctx, {id: 'berlin', name: 'Berlin', currency: 'EUR', country: null, timezone: null}))
    const found = await checkPgLedger({handle: ledger, label: 'u@localhost:5432/ledger'})
    expect(found.ledger).toBe(true)
    expect(Object.fromEntries(found.checks.map((c) => [c.check, c.status]))).toEqual({
      home: 'n/a',
      'home-permissions': 'n/a',
      'side-files': 'n/a',
      'file-permissions': 'n/a',
      'home-writable': 'n/a',
      integrity: 'n/a',
      server: 'ok',
      schema: 'ok',
      'audit-chain': 'ok',
    })
    expect(found.checks.find((c) => c.check === 'audit-chain')!.message).toBe('audit hash chain intact (1 rows)')
  })
})

describe('the doctor of a PostgreSQL server that does not answer', () => {
  it('a server that does not answer is one failure, and nothing further is read', async () => {
    const down: LedgerHandle = {
      engine: 'postgres',
      read: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'})),
      write: () => Promise.reject(new Error('not used')),
    }
    const found = await checkPgLedger({handle: down, label: 'u@127.0.0.1:1/ledger'})
    expect(found.ledger).toBe(false)
    expect(found.checks.at(-1)).toMatchObject({
      check: 'server',
      status: 'fail',
      message: 'PostgreSQL at u@127.0.0.1:1/ledger cannot be reached (ECONNREFUSED)',
    })
  })
})
