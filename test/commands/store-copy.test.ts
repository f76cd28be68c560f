import {createServer, type Socket} from 'node:net'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {runCli} from '../helpers/cli.js'
import {testPostgres, type TestDatabase} from '../helpers/postgres.js'
import {buildFixture, sourceCopy, sqliteTables} from '../services/store-copy/fixture.js'
import {ErrorJson} from './shapes.js'

const postgres = await testPostgres()

const count = z.number().int().nonnegative()
const CopyJson = z.strictObject({
  direction: z.literal('sqlite-to-postgres'),
  source: z.strictObject({kind: z.literal('sqlite'), file: z.string()}),
  target: z.strictObject({
    kind: z.literal('postgres'),
    host: z.string(),
    port: z.number().int(),
    database: z.string(),
    user: z.string(),
  }),
  schemaVersion: z.number().int(),
  storeId: z.string(),
  tables: z.array(z.strictObject({name: z.string(), rows: count})),
  rows: count,
  sequences: z.array(z.strictObject({table: z.string(), column: z.string(), last: count})),
  checks: z.strictObject({rowCounts: count, auditChain: count, balances: count}),
  durationMs: count,
})

const PASSWORD = 'yms-test' // the test server's (test/helpers/postgres.ts)

describe.skipIf(postgres.skip !== undefined)('store copy --to', () => {
  let fixture: Awaited<ReturnType<typeof buildFixture>>
  const cleanups: Array<() => void> = []
  beforeAll(async () => {
    fixture = await buildFixture()
  }, 180_000)
  afterAll(() => {
    for (const cleanup of cleanups) cleanup()
    fixture?.cleanup()
  })

  function home(): {home: string; file: string} {
    const copy = sourceCopy(fixture.file)
    cleanups.push(copy.cleanup)
    return {home: copy.file.replace(/\/ledger\.db$/, ''), file: copy.file}
  }
  const url = (db: TestDatabase, query = '') =>
    `postgres://${db.connection.user}@${db.connection.host}:${db.connection.port}/${db.name}${query}`
  const copy = (args: string[], h: string, env: Record<string, string> = {PGPASSWORD: PASSWORD}) =>
    runCli(['store', 'copy', ...args], {home: h, env, timeoutMs: 60_000})

  function lastAudit(file: string) {
    const raw = new Database(file, {readonly: true})
    try {
      return raw.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1').get() as Record<string, string>
    } finally {
      raw.close()
    }
  }
  async function hasSchema(db: TestDatabase): Promise<boolean> {
    const client = await db.connect()
    return (await client.query("SELECT to_regclass('yms_schema') IS NOT NULL AS found")).rows[0].found as boolean
  }

  it('copies the ledger (--json: a stable object) and audits it in the source, without credentials', async () => {
    const source = home()
    const db = await postgres.freshDatabase()
    const r = await copy(['--to', url(db, '?sslmode=disable'), '--json'], source.home)
    expect(r.code, r.stderr || r.stdout).toBe(0)
    const result = CopyJson.parse(r.json())
    expect(result.tables.map((t) => t.name).sort()).toEqual(sqliteTables(source.file).map((t) => t.name))
    expect(result.target).toMatchObject({host: '127.0.0.1', port: db.connection.port, database: db.name})
    expect(result.rows).toBe(result.tables.reduce((n, t) => n + t.rows, 0))
    const audit = lastAudit(source.file)
    expect(audit).toMatchObject({
      action: 'store.copy',
      outcome: 'ok',
      subject: `postgres://127.0.0.1:${db.connection.port}/${db.name}`,
    })
    expect(JSON.parse(audit.details_json!)).toMatchObject({
      target: {host: '127.0.0.1', port: db.connection.port, database: db.name},
      rows: result.rows,
      storeId: result.storeId,
    })
    expect(JSON.stringify(audit)).not.toContain(PASSWORD)
  })

  it('prints what it copied and what it checked; a second copy into the same database is refused (exit 2)', async () => {
    const source = home()
    const db = await postgres.freshDatabase()
    const first = await copy(['--to', url(db)], source.home)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/^copied .*ledger\.db into postgres yms@127\.0\.0\.1:\d+\/\w+: \d+ rows in \d+ tables/)
    expect(first.stdout).toMatch(
      /checked on the target before commit: row counts equal in \d+ tables; audit chain verifies/,
    )
    expect(first.stdout).toContain('ledger_postings')
    const again = await copy(['--to', url(db), '--json'], source.home)
    expect(again.code).toBe(2)
    expect(ErrorJson.parse(again.json()).error).toMatchObject({code: 'target_not_empty'})
    expect(lastAudit(source.file)).toMatchObject({action: 'store.copy', outcome: 'error'})
  })

  it('refuses a password in the URL (exit 2) without printing it, before connecting', async () => {
    const source = home()
    const db = await postgres.freshDatabase()
    const secret = 'hunter2-Sup3rSecret'
    for (const to of [
      `postgres://yms:${secret}@127.0.0.1:${db.connection.port}/${db.name}`,
      `${url(db)}?password=${secret}`,
    ]) {
      for (const json of [[], ['--json']]) {
        const r = await copy(['--to', to, ...json], source.home)
        expect(r.code).toBe(2)
        expect(r.stdout + r.stderr).toContain('PGPASSWORD')
        expect(r.stdout + r.stderr).not.toContain(secret)
      }
    }
    expect(await hasSchema(db)).toBe(false)
  })

  it('a refused login exits 77 and never prints the password it tried', async () => {
    const source = home()
    const db = await postgres.freshDatabase()
    const wrong = 'not-the-password-4711'
    const r = await copy(['--to', url(db)], source.home, {PGPASSWORD: wrong})
    expect(r.code, r.stderr).toBe(77)
    expect(r.stderr).toContain('refused the login')
    expect(r.stdout + r.stderr).not.toContain(wrong)
    expect(JSON.stringify(lastAudit(source.file))).not.toContain(wrong)
  })

  it('an unreachable server exits 75; sslmode=require against a server without TLS exits 78', async () => {
    const source = home()
    const down = await copy(['--to', 'postgres://yms@127.0.0.1:1/nothing'], source.home)
    expect(down.code, down.stderr).toBe(75)
    expect(down.stderr).toContain('cannot be reached')
    const db = await postgres.freshDatabase()
    const tls = await copy(['--to', url(db, '?sslmode=require')], source.home)
    expect(tls.code, tls.stderr).toBe(78)
    expect(tls.stderr).toMatch(/TLS to PostgreSQL .* failed: The server does not support SSL connections/)
    expect(await hasSchema(db)).toBe(false)
  })

  it('a server that accepts and never answers: exit 75 after connect_timeout, not a hang (pg waits forever)', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const {port} = silent.address() as {port: number}
    try {
      const started = Date.now()
      const r = await copy(['--to', `postgres://yms@127.0.0.1:${port}/x?connect_timeout=2`], home().home)
      expect(r.code, r.stderr).toBe(75)
      expect(r.stderr).toContain('did not answer in time (connect_timeout)')
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('refuses a database holding tables of something else, before creating any of its own', async () => {
    const source = home()
    const db = await postgres.freshDatabase()
    const client = await db.connect()
    await client.query('CREATE TABLE invoices_of_another_app (id int)')
    const r = await copy(['--to', url(db)], source.home)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('not a yms-pay ledger (it has invoices_of_another_app)')
    expect(await hasSchema(db)).toBe(false)
  })
})
