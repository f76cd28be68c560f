import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import type pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {BIN, runCli} from '../helpers/cli.js'
import {secretServiceStatus} from '../helpers/keyring-available.js'
import {testPostgres, type TestDatabase} from '../helpers/postgres.js'
import {
  buildFixture,
  pgRows,
  sourceCopy,
  sqliteRows,
  sqliteSequence,
  sqliteTables,
} from '../services/store-copy/fixture.js'
import {ErrorJson} from './shapes.js'

const postgres = await testPostgres()
const keychain = secretServiceStatus()

const count = z.number().int().nonnegative()
const CopyBackJson = z.strictObject({
  direction: z.literal('postgres-to-sqlite'),
  source: z.strictObject({
    kind: z.literal('postgres'),
    host: z.string(),
    port: z.number().int(),
    database: z.string(),
    user: z.string(),
  }),
  target: z.strictObject({kind: z.literal('sqlite'), file: z.string()}),
  schemaVersion: z.number().int(),
  storeId: z.string(),
  tables: z.array(z.strictObject({name: z.string(), rows: count})),
  rows: count,
  sequences: z.array(z.strictObject({table: z.string(), column: z.string(), last: count})),
  checks: z.strictObject({rowCounts: count, auditChain: count, balances: count}),
  durationMs: count,
})

const PASSWORD = 'yms-test' // the test server's (test/helpers/postgres.ts)

const url = (db: TestDatabase, query = '') =>
  `postgres://${db.connection.user}@${db.connection.host}:${db.connection.port}/${db.name}${query}`
const copy = (args: string[], home: string, env: Record<string, string> = {PGPASSWORD: PASSWORD}) =>
  runCli(['store', 'copy', ...args], {home, env, timeoutMs: 60_000})

/** A home directory that does not exist yet, in a temp dir removed after the file. */
function newHome(cleanups: Array<() => void>): {home: string; file: string} {
  const dir = mkdtempSync(join(tmpdir(), 'yms-storecopy-back-'))
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}))
  const home = join(dir, 'home')
  return {home, file: join(home, 'ledger.db')}
}

async function lastPgAudit(client: pg.Client): Promise<Record<string, unknown>> {
  return (await client.query('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1')).rows[0] as Record<string, unknown>
}

/** Rows per ledger table of a SQLite file, read independently of the code under test. */
function sqliteCounts(file: string): Record<string, number> {
  const raw = new Database(file, {readonly: true})
  try {
    return Object.fromEntries(
      sqliteTables(file).map(({name}) => [name, raw.prepare(`SELECT count(*) FROM "${name}"`).pluck().get() as number]),
    )
  } finally {
    raw.close()
  }
}

describe.skipIf(postgres.skip !== undefined)('store copy --from (a PostgreSQL ledger into a SQLite home)', () => {
  let fixture: Awaited<ReturnType<typeof buildFixture>>
  const cleanups: Array<() => void> = []
  beforeAll(async () => {
    fixture = await buildFixture()
  }, 180_000)
  afterAll(() => {
    for (const cleanup of cleanups) cleanup()
    fixture?.cleanup()
  })

  /** A copy of the fixture's home moved into a fresh database by `store copy --to`, as a user moves it. */
  async function ledgerInPostgres(): Promise<{db: TestDatabase; client: pg.Client}> {
    const source = sourceCopy(fixture.file)
    cleanups.push(source.cleanup)
    const db = await postgres.freshDatabase()
    const to = await copy(['--to', url(db)], source.file.replace(/\/ledger\.db$/, ''))
    expect(to.code, to.stderr).toBe(0)
    return {db, client: await db.connect()}
  }

  it('round trip SQLite -> PostgreSQL -> a new home: the same ledger row for row, audit intact, audited in the source', async () => {
    const {db, client} = await ledgerInPostgres()
    const back = newHome(cleanups)
    const started = performance.now()
    const r = await copy(['--from', url(db, '?sslmode=disable'), '--json'], back.home)
    console.info(`store copy --from: ${Math.round(performance.now() - started)} ms`)
    expect(r.code, r.stderr || r.stdout).toBe(0)
    const result = CopyBackJson.parse(r.json())
    expect(result.source).toMatchObject({host: '127.0.0.1', port: db.connection.port, database: db.name})
    expect(result.target.file).toBe(back.file)

    // The fixture is the ledger before either copy: `--to` added its audit row to that home's copy afterwards.
    const tables = sqliteTables(fixture.file)
    expect(result.tables.map((t) => t.name).sort()).toEqual(tables.map((t) => t.name))
    for (const {name, key} of tables) {
      expect(sqliteRows(back.file, name, key), name).toEqual(sqliteRows(fixture.file, name, key))
    }
    expect(sqliteSequence(back.file)).toEqual(sqliteSequence(fixture.file))
    expect(result.checks.balances).toBe(sqliteRows(fixture.file, 'ledger_balances', ['account']).length)

    const verify = await runCli(['audit', 'verify', '--json'], {home: back.home})
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)

    const audit = await lastPgAudit(client)
    expect(audit).toMatchObject({action: 'store.copy', outcome: 'ok'})
    expect(audit.subject).toMatch(new RegExp(`^file://[^/]+${back.file}$`))
    expect(JSON.parse(audit.details_json as string)).toMatchObject({
      direction: 'postgres-to-sqlite',
      target: {file: back.file},
      rows: result.rows,
      storeId: result.storeId,
    })
    const text = JSON.stringify(audit, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))
    expect(text).toContain('store.copy')
    expect(text).not.toContain(PASSWORD)
  })

  it('says what it copied and checked, and makes the home; a second copy into it is refused (exit 2)', async () => {
    const {db, client} = await ledgerInPostgres()
    const back = newHome(cleanups)
    const first = await copy(['--from', url(db)], back.home)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toContain('created a new yms-pay home')
    expect(first.stdout).toMatch(
      new RegExp(`^copied postgres yms@127\\.0\\.0\\.1:\\d+/${db.name} into ${back.file}: \\d+ rows in \\d+ tables`),
    )
    expect(first.stdout).toMatch(/checked on the target before commit: row counts equal in \d+ tables; audit chain/)
    const before = sqliteCounts(back.file)
    const again = await copy(['--from', url(db), '--json'], back.home)
    expect(again.code).toBe(2)
    expect(ErrorJson.parse(again.json()).error).toMatchObject({
      code: 'target_not_empty',
      message: expect.stringContaining('already holds a copy of this ledger'),
    })
    expect(sqliteCounts(back.file)).toEqual(before)
    expect(await lastPgAudit(client)).toMatchObject({action: 'store.copy', outcome: 'error'})
  })

  it('refuses a home holding another ledger and leaves it as it was: never merged', async () => {
    const {db} = await ledgerInPostgres()
    const back = newHome(cleanups)
    const site = await runCli(['sites', 'add', 'elsewhere', '--name', 'Elsewhere', '--currency', 'EUR'], {
      home: back.home,
    })
    expect(site.code, site.stderr).toBe(0)
    const before = sqliteCounts(back.file)
    const r = await copy(['--from', url(db), '--json'], back.home)
    expect(r.code).toBe(2)
    expect(ErrorJson.parse(r.json()).error).toMatchObject({
      code: 'target_not_empty',
      message: expect.stringContaining('holds another ledger'),
      hint: expect.stringContaining('--home'),
    })
    expect(sqliteCounts(back.file)).toEqual(before)
  })

  it('neither or both of --to and --from: exit 2, and no home made', async () => {
    const {db} = await ledgerInPostgres()
    const back = newHome(cleanups)
    for (const args of [[], ['--to', url(db), '--from', url(db)]]) {
      const r = await copy([...args, '--json'], back.home)
      expect(r.code, r.stdout).toBe(2)
      expect(ErrorJson.parse(r.json()).error.message).toMatch(/--from.*--to|--to.*--from/)
    }
    expect(existsSync(back.home)).toBe(false)
  })

  it('a password in --from is refused (exit 2) without printing it; an unreachable server exits 75; no home made', async () => {
    const {db} = await ledgerInPostgres()
    const back = newHome(cleanups)
    const secret = 'hunter2-Sup3rSecret'
    for (const from of [
      `postgres://yms:${secret}@127.0.0.1:${db.connection.port}/${db.name}`,
      `${url(db)}?password=${secret}`,
    ]) {
      const r = await copy(['--from', from], back.home)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('PGPASSWORD')
      expect(r.stdout + r.stderr).not.toContain(secret)
    }
    const down = await copy(['--from', 'postgres://yms@127.0.0.1:1/nothing', '--json'], back.home)
    expect(down.code, down.stdout).toBe(75)
    expect(ErrorJson.parse(down.json()).error).toMatchObject({
      code: 'postgres_unreachable',
      message: 'PostgreSQL at yms@127.0.0.1:1/nothing cannot be reached (ECONNREFUSED)',
    })
    expect(existsSync(back.home)).toBe(false)
  })

  it('a refused login exits 77 without printing the password; a missing database or failed TLS exits 78', async () => {
    const {db} = await ledgerInPostgres()
    const back = newHome(cleanups)
    const wrong = 'not-the-password-4711'
    const r = await copy(['--from', url(db)], back.home, {PGPASSWORD: wrong})
    expect(r.code, r.stderr).toBe(77)
    expect(r.stderr).toContain(`${db.connection.user}@127.0.0.1:${db.connection.port}/${db.name} refused the login`)
    expect(r.stdout + r.stderr).not.toContain(wrong)
    const missing = `postgres://yms@127.0.0.1:${db.connection.port}/no_such_db`
    const gone = await copy(['--from', missing], back.home)
    expect(gone.code, gone.stderr).toBe(78)
    expect(gone.stderr).toContain(`PostgreSQL at yms@127.0.0.1:${db.connection.port}/no_such_db: database "no_such_db"`)
    const tls = await copy(['--from', url(db, '?sslmode=require')], back.home)
    expect(tls.code, tls.stderr).toBe(78)
    expect(tls.stderr).toMatch(/TLS to PostgreSQL .* failed: The server does not support SSL connections/)
    expect(existsSync(back.home)).toBe(false)
  })

  it('a database with no ledger (exit 78) or with something else in it (exit 2) is named, and left untouched', async () => {
    const back = newHome(cleanups)
    const empty = await postgres.freshDatabase()
    const none = await copy(['--from', url(empty), '--json'], back.home)
    expect(none.code, none.stdout).toBe(78)
    expect(ErrorJson.parse(none.json()).error).toMatchObject({
      code: 'source_missing',
      message: expect.stringContaining(`${empty.name} holds no yms-pay ledger`),
    })
    const client = await empty.connect()
    // preparing the source did not make a ledger in it
    expect((await client.query("SELECT to_regclass('yms_schema') IS NULL AS gone")).rows[0].gone).toBe(true)
    await client.query('CREATE TABLE invoices_of_another_app (id int)')
    const foreign = await copy(['--from', url(empty), '--json'], back.home)
    expect(foreign.code, foreign.stdout).toBe(2)
    expect(ErrorJson.parse(foreign.json()).error).toMatchObject({
      code: 'source_not_a_ledger',
      message: expect.stringContaining('not a yms-pay ledger (it has invoices_of_another_app)'),
    })
    expect(existsSync(back.home)).toBe(false)
  })

  it('YMS_PAY_DATABASE_URL set: refused before connecting (the home is one end of the copy)', async () => {
    const back = newHome(cleanups)
    const r = await copy(['--from', 'postgres://yms@127.0.0.1:1/nothing'], back.home, {
      PGPASSWORD: PASSWORD,
      YMS_PAY_DATABASE_URL: 'postgres://yms@127.0.0.1:1/elsewhere',
    })
    expect(r.code, r.stderr).toBe(78)
    expect(r.stderr).toContain('YMS_PAY_DATABASE_URL names a PostgreSQL ledger')
    expect(existsSync(back.home)).toBe(false)
  })

  it('a read-only user copies the ledger out: the audit row it may not write is a warning, not a failure', async () => {
    const {db, client} = await ledgerInPostgres()
    const role = `yms_reader_${db.name}`
    const secret = 'reader-Passw0rd-815'
    // A role of the throwaway cluster, removed with it.
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${secret}'`)
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`)
    await client.query(`GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`)
    const audited = (await client.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n as number
    const back = newHome(cleanups)
    const from = `postgres://${role}@127.0.0.1:${db.connection.port}/${db.name}`
    const r = await copy(['--from', from, '--json'], back.home, {PGPASSWORD: secret})
    expect(r.code, r.stdout).toBe(0)
    const result = CopyBackJson.extend({warnings: z.array(z.string())}).parse(r.json())
    expect(result.warnings).toEqual([
      expect.stringMatching(/^the copy could not be recorded in the source's audit log: .*permission denied/),
    ])
    expect(r.stdout).not.toContain(secret)
    expect((await client.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(audited)
    expect(sqliteCounts(back.file).audit_log).toBe(audited)
  })

  it('SIGKILL mid-copy leaves the home without a ledger row; a second run then copies it whole', async () => {
    const {db, client} = await ledgerInPostgres()
    // Enough rows that the copy's uncommitted pages spill from SQLite's page cache into the WAL before it commits.
    await client.query(
      `INSERT INTO sync_skipped (provider, item_key, code, reason, raw_json, source, first_seen_at, last_seen_at)
       SELECT 'bulk', 'item-' || n, 'issuing.card', 'unknown_code', repeat('x', 400), 'pull', '2026-03-01T00:00:00Z',
         '2026-03-01T00:00:00Z' FROM generate_series(1, 120000) AS n`,
    )
    const back = newHome(cleanups)
    const wal = `${back.file}-wal`
    const killed = await new Promise<{signal: NodeJS.Signals | null; walBytes: number}>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'store', 'copy', '--from', url(db)], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          CI: 'true',
          YMS_PAY_HOME: back.home,
          PGPASSWORD: PASSWORD,
        },
        stdio: 'ignore',
      })
      child.on('error', reject)
      let walBytes = 0
      const poll = setInterval(() => {
        walBytes = existsSync(wal) ? statSync(wal).size : 0
        if (walBytes > 16 * 1024 * 1024) child.kill('SIGKILL')
      }, 5)
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.on('close', (_code, signal) => {
        clearInterval(poll)
        clearTimeout(guard)
        resolve({signal, walBytes})
      })
    })
    expect(killed.signal).toBe('SIGKILL')
    expect(killed.walBytes).toBeGreaterThan(16 * 1024 * 1024)
    const storeId = (await client.query('SELECT store_id FROM store_identity')).rows[0].store_id as string
    const counts = sqliteCounts(back.file)
    for (const [table, n] of Object.entries(counts)) expect(n, table).toBe(table === 'store_identity' ? 1 : 0)
    const raw = new Database(back.file, {readonly: true})
    expect(raw.prepare('SELECT store_id FROM store_identity').pluck().get()).not.toBe(storeId)
    raw.close()

    const again = await copy(['--from', url(db), '--json'], back.home)
    expect(again.code, again.stderr).toBe(0)
    expect(CopyBackJson.parse(again.json()).storeId).toBe(storeId)
    expect(sqliteCounts(back.file).sync_skipped).toBe(
      (await client.query('SELECT count(*)::int AS n FROM sync_skipped')).rows[0].n,
    )
    const key = ['id']
    expect(sqliteRows(back.file, 'sync_skipped', key).slice(-1)).toEqual(
      (await pgRows(client, 'sync_skipped', key)).slice(-1),
    )
  }, 120_000)
})

describe.skipIf(postgres.skip !== undefined || !keychain.available)(
  'store copy both ways keeps the store id: the copied providers find their keychain secrets',
  () => {
    const cleanups: Array<() => void> = []
    const id = `copyback-${process.pid}`
    let first = ''
    afterAll(async () => {
      // Removing the provider from one home deletes the entries: every copy shares the store id that names them.
      if (first !== '') await runCli(['providers', 'remove', id, '--yes'], {home: first})
      for (const cleanup of cleanups) cleanup()
    })

    it('providers show finds both secrets in the keychain in the home copied back', async () => {
      first = newHome(cleanups).home
      const add = await runCli(
        ['providers', 'add', id, '--kind', 'stripe', '--base-url', 'http://127.0.0.1:1', '--secrets-from-stdin'],
        {home: first, input: 'api_key=sk_test_copyBackKey\nwebhook_secret=whsec_copyBackTest\n'},
      )
      expect(add.code, add.stderr).toBe(0)
      const db = await postgres.freshDatabase()
      expect((await copy(['--to', url(db)], first)).code).toBe(0)
      const back = newHome(cleanups).home
      expect((await copy(['--from', url(db)], back)).code).toBe(0)
      const show = await runCli(['providers', 'show', id, '--json'], {home: back})
      expect(show.code, show.stderr).toBe(0)
      expect(show.json<{secrets: Array<{source: string | null}>}>().secrets.map((s) => s.source)).toEqual([
        'keychain',
        'keychain',
      ])
    })
  },
)
