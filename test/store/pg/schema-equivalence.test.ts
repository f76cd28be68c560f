import {afterEach, describe, expect, it} from 'vitest'

import {LATEST_VERSION} from '../../../src/store/migrations/index.js'
import {PG_LATEST_VERSION, PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {testPostgres} from '../../helpers/postgres.js'
import {tempDb, type TempDb} from '../helpers.js'
import {pgShape, sqliteShape} from './schema-shape.js'

const postgres = await testPostgres()

// A SQLite migration without its PostgreSQL twin (or one that differs from it) fails here.
describe.skipIf(postgres.skip !== undefined)('the PostgreSQL schema is the SQLite schema', () => {
  let sqlite: TempDb | undefined
  afterEach(() => sqlite?.cleanup())

  it('at the same version', () => {
    expect(PG_LATEST_VERSION).toBe(LATEST_VERSION)
  })

  it('table by table: columns in order with mapped types, nullability, defaults and numbering; keys, indexes, foreign keys, CHECK counts and triggers', async () => {
    sqlite = tempDb()
    const database = await postgres.freshDatabase()
    const client = await database.connect()
    await runPgMigrations(client, PG_MIGRATIONS, database.name)

    const expected = sqliteShape(sqlite.db.raw)
    const actual = await pgShape(client)
    expect(Object.keys(actual)).toEqual(Object.keys(expected))
    for (const table of Object.keys(expected)) expect({[table]: actual[table]}).toEqual({[table]: expected[table]})
  })
})
