import {afterAll, describe, expect, it} from 'vitest'

import {testPostgres, type TestDatabase} from '../helpers/postgres.js'
import {run, stripeEnv, tempHome, writeInput} from './helpers.js'

const postgres = await testPostgres()

const PASSWORD = 'yms-test' // the test server's (test/helpers/postgres.ts)

/**
 * The admin commands with --database-url, as a cron job on a second host would run them: the ledger in PostgreSQL,
 * the home holding nothing. What only a SQLite file has (backup, the file checks of doctor) says what to use there.
 */
describe.skipIf(postgres.skip !== undefined)('admin commands on a PostgreSQL ledger', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  const url = (db: TestDatabase) =>
    `postgres://${db.connection.user}@${db.connection.host}:${db.connection.port}/${db.name}`
  const on = (db: TestDatabase, args: string[]) =>
    run([...args, '--database-url', url(db)], {
      home,
      env: {PGPASSWORD: PASSWORD, ...stripeEnv('acme', 'sk_test_admin')},
    })

  it('sets up sites, customers and a provider, reports on them, and verifies the audit chain', async () => {
    const db = await postgres.freshDatabase()
    expect((await on(db, ['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'])).exitCode).toBe(0)
    const file = writeInput(home, 'customers.csv', 'id,site,name\nc1,berlin,Anna\nc2,atlantis,Bo\nc3,berlin,Cy\n')
    const imported = await on(db, ['customers', 'import', file, '--json'])
    expect(imported.exitCode).toBe(4)
    expect(imported.json()).toMatchObject({inserted: 2, rejected: [{line: 3, error: 'unknown site "atlantis"'}]})
    const added = await on(db, ['providers', 'add', 'acme', '--kind', 'stripe', '--site', 'berlin', '--segment', '*'])
    expect(added.exitCode).toBe(0)
    expect((await on(db, ['providers', 'grant', 'acme', '--segment', 'vip', '--access', 'read'])).exitCode).toBe(0)

    const status = await on(db, ['status', '--json'])
    expect(status.exitCode).toBe(0)
    expect(status.json()).toMatchObject({
      providers: [{id: 'acme', kind: 'stripe', health: 'unknown'}],
      sites: [{id: 'berlin', balances: [], totalInBase: {minor: 0, currency: 'EUR'}}],
    })
    const listed = await on(db, ['customers', 'list', '--json'])
    expect(listed.json<{customers: Array<{id: string}>}>().customers.map((c) => c.id)).toEqual(['c1', 'c3'])
    const audit = await on(db, ['audit', 'list', '--json'])
    expect(audit.json<{rows: Array<{action: string}>}>().rows.map((r) => r.action)).toEqual([
      'site.add',
      'customer.import',
      'provider.add',
      'provider.grant',
    ])
    const verified = await on(db, ['audit', 'verify', '--json'])
    expect(verified.exitCode).toBe(0)
    expect(verified.json()).toEqual({ok: true, rows: 4})

    const doctor = await on(db, ['doctor', '--json'])
    const report = doctor.json<{home: string; checks: Array<{check: string; status: string}>}>()
    expect(report.home).toBe(`${db.connection.user}@${db.connection.host}:${db.connection.port}/${db.name}`)
    const byCheck = Object.fromEntries(report.checks.map((c) => [c.check, c.status]))
    expect(byCheck).toMatchObject({
      home: 'n/a',
      'side-files': 'n/a',
      integrity: 'n/a',
      server: 'ok',
      schema: 'ok',
      'audit-chain': 'ok',
      'secrets:acme': 'ok',
    })
    expect(doctor.exitCode).toBe(0)
  })

  it('backup is refused with the advice to use pg_dump, before connecting', async () => {
    const r = await run(['backup', `${home}/ledger.bak`, '--json'], {
      home,
      env: {YMS_PAY_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing'},
    })
    expect(r.exitCode).toBe(78)
    expect(r.json()).toMatchObject({error: {code: 'backup_not_sqlite', hint: expect.stringContaining('pg_dump')}})
  })

  it('doctor of a database holding no ledger fails its schema check and changes nothing', async () => {
    const db = await postgres.freshDatabase()
    const r = await on(db, ['doctor', '--json'])
    expect(r.exitCode).toBe(3)
    const checks = r.json<{checks: Array<{check: string; status: string; message: string}>}>().checks
    expect(checks.find((c) => c.check === 'schema')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('holds no yms-pay ledger'),
    })
    const client = await db.connect()
    expect((await client.query("SELECT to_regclass('yms_schema') AS t")).rows[0]).toEqual({t: null})
  })

  it('doctor of a server that does not answer: one failure naming it', async () => {
    const r = await run(['doctor', '--json'], {
      home,
      env: {YMS_PAY_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing'},
    })
    expect(r.exitCode).toBe(3)
    expect(r.json<{checks: Array<{check: string; status: string}>}>().checks.at(-1)).toMatchObject({
      check: 'server',
      status: 'fail',
    })
  })
})
