import type pg from 'pg'
import {describe, expect, it} from 'vitest'

import {ConfigError} from '../../../src/core/errors.js'
import {
  PG_LATEST_VERSION,
  PG_MIGRATIONS,
  runPgMigrations,
  type PgMigration,
} from '../../../src/store/pg/migrations/index.js'
import {testPostgres} from '../../helpers/postgres.js'

const postgres = await testPostgres()

const version = async (client: pg.Client) => (await client.query('SELECT version FROM yms_schema')).rows
const storeIds = async (client: pg.Client) => (await client.query('SELECT store_id FROM store_identity')).rows

describe.skipIf(postgres.skip !== undefined)('PostgreSQL migrations', () => {
  it('build a fresh database at the latest version, with its store id', async () => {
    const database = await postgres.freshDatabase()
    const client = await database.connect()
    expect(await runPgMigrations(client, PG_MIGRATIONS, database.name)).toEqual(PG_MIGRATIONS.map((m) => m.version))
    expect(await version(client)).toEqual([{version: PG_LATEST_VERSION}])
    const ids = await storeIds(client)
    expect(ids).toHaveLength(1)
    expect(ids[0].store_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  })

  it('do nothing the second time', async () => {
    const database = await postgres.freshDatabase()
    const client = await database.connect()
    await runPgMigrations(client, PG_MIGRATIONS, database.name)
    const ids = await storeIds(client)
    expect(await runPgMigrations(client, PG_MIGRATIONS, database.name)).toEqual([])
    expect(await storeIds(client)).toEqual(ids)
  })

  it('run once when several processes migrate a fresh database at the same moment, and all of them succeed', async () => {
    const database = await postgres.freshDatabase()
    const clients = await Promise.all([1, 2, 3, 4].map(() => database.connect()))
    const applied = await Promise.all(clients.map((client) => runPgMigrations(client, PG_MIGRATIONS, database.name)))
    // Each step once, whichever process ran it: one may run a step and another the next.
    expect(applied.flat().sort((x, y) => x - y)).toEqual(PG_MIGRATIONS.map((m) => m.version))
    expect(await storeIds(clients[0]!)).toHaveLength(1)
  })

  it('number the invoices a database at version 15 holds by id, keep their rows, and number new ones after them', async () => {
    const database = await postgres.freshDatabase()
    const client = await database.connect()
    await runPgMigrations(
      client,
      PG_MIGRATIONS.filter((m) => m.version <= 15),
      database.name,
    )
    const at = '2026-01-01T00:00:00.000Z'
    await client.query(`
      INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES ('lyon', 'Lyon', 'EUR', '${at}', '${at}');
      INSERT INTO customers (id, site, segment, created_at, updated_at) VALUES ('c1', 'lyon', 'retail', '${at}', '${at}');
      INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, created_at, updated_at)
        VALUES ('inv-c', 'lyon', 'c1', 300, 'EUR', '2026-01-03', '${at}', '${at}'),
               ('inv-a', 'lyon', 'c1', 100, 'EUR', '2026-01-01', '${at}', '${at}'),
               ('inv-b', 'lyon', 'c1', 200, 'EUR', '2026-01-02', '${at}', '${at}');
    `)
    expect(await runPgMigrations(client, PG_MIGRATIONS, database.name)).toEqual([16])
    const rows = async () =>
      (await client.query('SELECT row_no::int AS row, id, amount_minor::int AS amount FROM invoices ORDER BY row_no'))
        .rows
    // Their rank by id, as PostgreSQL numbered them before: their reconciliations keep their order.
    expect(await rows()).toEqual([
      {row: 1, id: 'inv-a', amount: 100},
      {row: 2, id: 'inv-b', amount: 200},
      {row: 3, id: 'inv-c', amount: 300},
    ])
    await client.query(`INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, created_at, updated_at)
      VALUES ('inv-0', 'lyon', 'c1', 50, 'EUR', '2026-01-04', '${at}', '${at}')`)
    expect((await rows()).at(-1)).toEqual({row: 4, id: 'inv-0', amount: 50})
    await expect(
      client.query(`INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, created_at, updated_at)
        VALUES ('inv-a', 'lyon', 'c1', 1, 'EUR', '2026-01-05', '${at}', '${at}')`),
    ).rejects.toMatchObject({code: '23505'})
  })

  it('refuse a database written by a newer yms-pay, as SQLite does, and leave it alone', async () => {
    const database = await postgres.freshDatabase()
    const client = await database.connect()
    await runPgMigrations(client, PG_MIGRATIONS, database.name)
    await client.query('UPDATE yms_schema SET version = version + 1')
    const refused = await runPgMigrations(client, PG_MIGRATIONS, database.name).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ConfigError)
    expect(refused).toMatchObject({
      code: 'schema_too_new',
      message: `The database ${database.name} has schema version ${PG_LATEST_VERSION + 1}, but this yms-pay supports schema versions up to ${PG_LATEST_VERSION}.`,
    })
    expect(await version(client)).toEqual([{version: PG_LATEST_VERSION + 1}])
  })

  it('leave the database at the last whole version when a step fails', async () => {
    const database = await postgres.freshDatabase()
    const client = await database.connect()
    const broken: PgMigration = {
      version: PG_LATEST_VERSION + 1,
      name: 'broken',
      async up(step) {
        await step.query('CREATE TABLE half_done (id bigint)')
        await step.query('SELECT 1 / 0')
      },
    }
    await expect(runPgMigrations(client, [...PG_MIGRATIONS, broken], database.name)).rejects.toThrow(/division by zero/)
    expect(await version(client)).toEqual([{version: PG_LATEST_VERSION}])
    expect((await client.query("SELECT to_regclass('half_done') AS t")).rows).toEqual([{t: null}])
  })
})

describe('PostgreSQL migrations on an old server', () => {
  it('are refused before any step: the schema needs PostgreSQL 16 (IS JSON)', async () => {
    const queries: string[] = []
    const server15 = {
      query: async (sql: string) => {
        queries.push(sql)
        return {rows: [{server_version_num: '150004'}]}
      },
    } as unknown as pg.ClientBase
    await expect(runPgMigrations(server15, PG_MIGRATIONS, 'ledger')).rejects.toMatchObject({
      code: 'postgres_too_old',
      message: 'The PostgreSQL server of ledger is version 15; yms-pay needs PostgreSQL 16 or later.',
    })
    expect(queries).toEqual(['SHOW server_version_num'])
  })
})
