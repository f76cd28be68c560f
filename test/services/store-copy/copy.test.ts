import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {appendAudit} from '../../../src/services/audit.js'
import {CopyCheckError} from '../../../src/services/store-copy/checks.js'
import {copyStore, type StoreCopyResult} from '../../../src/services/store-copy/copy.js'
import {openDatabase} from '../../../src/store/db.js'
import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {pgStore} from '../../../src/store/seam/pg-store.js'
import {sqliteStore} from '../../../src/store/seam/sqlite-store.js'
import type {Store} from '../../../src/store/seam/store.js'
import {testPostgres, type TestDatabase} from '../../helpers/postgres.js'
import {buildFixture, pgRows, sourceCopy, sqliteRows, sqliteSequence, sqliteTables} from './fixture.js'

const postgres = await testPostgres()

describe.skipIf(postgres.skip !== undefined)('store copy engine (SQLite <-> PostgreSQL through the seam)', () => {
  let fixture: Awaited<ReturnType<typeof buildFixture>>
  const cleanups: Array<() => void | Promise<void>> = []
  beforeAll(async () => {
    fixture = await buildFixture()
  }, 180_000)
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    fixture?.cleanup()
  })

  /** A copy of the fixture behind the seam (it owns the Db). */
  function source(): {store: Store; file: string} {
    const copy = sourceCopy(fixture.file)
    const store = sqliteStore(openDatabase(copy.file))
    cleanups.push(async () => {
      await store.close()
      copy.cleanup()
    })
    return {store, file: copy.file}
  }

  async function target(): Promise<{store: Store; database: TestDatabase; client: pg.Client}> {
    const database = await postgres.freshDatabase()
    const client = await database.connect()
    await runPgMigrations(client, PG_MIGRATIONS, database.name)
    const store = pgStore(database.connection)
    cleanups.push(() => store.close())
    return {store, database, client}
  }

  async function pgCounts(client: pg.Client): Promise<Record<string, bigint>> {
    const counts: Record<string, bigint> = {}
    for (const {name} of sqliteTables(fixture.file)) {
      counts[name] = (await client.query<{n: bigint}>(`SELECT count(*)::bigint AS n FROM "${name}"`)).rows[0]!.n
    }
    return counts
  }

  async function storeIdOf(client: pg.Client): Promise<string> {
    return (await client.query<{store_id: string}>('SELECT store_id FROM store_identity')).rows[0]!.store_id
  }

  /** Only what a fresh migration writes: its minted store id and nothing else. */
  async function expectEmpty(client: pg.Client, mintedId: string): Promise<void> {
    const counts = await pgCounts(client)
    for (const [table, n] of Object.entries(counts)) expect(n, table).toBe(table === 'store_identity' ? 1n : 0n)
    expect(await storeIdOf(client)).toBe(mintedId)
  }

  it('the fixture has rows in every table, so a table the copy skipped would show', () => {
    for (const {name, key} of sqliteTables(fixture.file)) {
      expect(sqliteRows(fixture.file, name, key).length, name).toBeGreaterThan(0)
    }
  })

  it('copies every table row for row, ids and store id included, with the checks passed', async () => {
    const from = source()
    const to = await target()
    const started = performance.now()
    const result = await copyStore(from.store, to.store)
    console.info(`store copy: ${result.rows} rows in ${Math.round(performance.now() - started)} ms`)
    const tables = sqliteTables(fixture.file)
    expect(result.tables.map((t) => t.name).sort()).toEqual(tables.map((t) => t.name))
    for (const {name, key} of tables) {
      expect(await pgRows(to.client, name, key), name).toEqual(sqliteRows(from.file, name, key))
    }
    // the checks ran on what they claim
    expect(result.checks.rowCounts).toBe(tables.length)
    expect(result.checks.auditChain).toBe(sqliteRows(from.file, 'audit_log', ['seq']).length)
    expect(result.checks.balances).toBe(sqliteRows(from.file, 'ledger_balances', ['account']).length)
    // a purged provider's balances are zero rows with no postings behind them: copied, not rebuilt away
    expect(
      (await to.client.query('SELECT count(*)::int AS n FROM ledger_balances WHERE minor = 0')).rows[0].n,
    ).toBeGreaterThan(0)
  })

  it('moves every sequence past the copied ids: a new row gets max+1, or past an AUTOINCREMENT gap', async () => {
    const from = source()
    const to = await target()
    await copyStore(from.store, to.store)
    const maxSeq = (await to.client.query<{m: bigint}>('SELECT max(seq) AS m FROM audit_log')).rows[0]!.m
    const {rows} = await to.client.query<{seq: bigint}>(
      `INSERT INTO audit_log (at, actor, action, outcome, details_json, prev_hash, hash)
       VALUES ('2026-12-01T00:00:00.000Z', 'test', 'test', 'ok', '{}', repeat('0', 64), repeat('1', 64)) RETURNING seq`,
    )
    expect(rows[0]!.seq).toBe(maxSeq + 1n)
    // the outbox's last row was removed: SQLite would never hand its number out again, nor may PostgreSQL
    const handedOut = sqliteSequence(from.file).alerts_outbox!
    const maxOutbox = (await to.client.query<{m: bigint}>('SELECT max(seq) AS m FROM alerts_outbox')).rows[0]!.m
    expect(handedOut).toBeGreaterThan(maxOutbox)
    const outbox = await to.client.query<{seq: bigint}>(
      `INSERT INTO alerts_outbox (message_id, event, subject, order_key, payload, raised_at)
       SELECT message_id || '-new', event, subject, order_key, payload, raised_at FROM alerts_outbox ORDER BY seq LIMIT 1
       RETURNING seq`,
    )
    expect(outbox.rows[0]!.seq).toBe(handedOut + 1n)
    // and every other identity column stands at least at its greatest id
    const identities = await to.client.query<{table_name: string; column_name: string}>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE is_identity = 'YES' AND table_schema = current_schema()",
    )
    for (const {table_name: table, column_name: column} of identities.rows) {
      const {rows: found} = await to.client.query<{last: bigint | null; max: bigint | null}>(
        `SELECT pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass) AS last, (SELECT max("${column}") FROM "${table}") AS max`,
        [table, column],
      )
      if (found[0]!.max !== null) expect(found[0]!.last, table).toBeGreaterThanOrEqual(found[0]!.max)
    }
  })

  it('and back: PostgreSQL into a fresh SQLite ledger gives the source again, table for table', async () => {
    const from = source()
    const middle = await target()
    await copyStore(from.store, middle.store)
    const dir = mkdtempSync(join(tmpdir(), 'yms-storecopy-back-'))
    const file = join(dir, 'ledger.db')
    const back = sqliteStore(openDatabase(file))
    cleanups.push(async () => {
      await back.close()
      rmSync(dir, {recursive: true, force: true})
    })
    const result = await copyStore(middle.store, back)
    expect(result.storeId).toBe(await storeIdOf(middle.client))
    await back.close()
    for (const {name, key} of sqliteTables(fixture.file)) {
      expect(sqliteRows(file, name, key), name).toEqual(sqliteRows(from.file, name, key))
    }
    expect(sqliteSequence(file).alerts_outbox).toBe(sqliteSequence(from.file).alerts_outbox)
  })

  it('refuses a target that already holds a copy, and leaves it as it was', async () => {
    const from = source()
    const to = await target()
    const first = await copyStore(from.store, to.store)
    const before = await pgCounts(to.client)
    await expect(copyStore(from.store, to.store)).rejects.toMatchObject({
      code: 'target_not_empty',
      exitCode: 2,
      message: expect.stringContaining(`already holds a copy of this ledger (store id ${first.storeId}`),
    })
    expect(await pgCounts(to.client)).toEqual(before)
    expect(await storeIdOf(to.client)).toBe(first.storeId)
  })

  it('refuses a target holding another ledger (another store id, with rows): never merged', async () => {
    const from = source()
    const to = await target()
    const minted = await storeIdOf(to.client)
    await to.client.query(
      "INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES ('elsewhere', 'Elsewhere', 'EUR', 'x', 'x')",
    )
    await expect(copyStore(from.store, to.store)).rejects.toMatchObject({
      code: 'target_not_empty',
      message: expect.stringContaining(`holds another ledger (store id ${minted}; sites has rows)`),
    })
    expect((await pgCounts(to.client)).sites).toBe(1n)
    expect(await storeIdOf(to.client)).toBe(minted)
  })

  it('a row the target refuses mid-copy (a NUL in text) leaves the target empty', async () => {
    const from = source()
    // PostgreSQL's text cannot hold U+0000; SQLite's can. A late table, so earlier ones were already written.
    const db = openDatabase(from.file)
    db.write(() =>
      db.raw
        .prepare(
          "UPDATE webhook_events SET summary = 'applied' || char(0) WHERE id = (SELECT max(id) FROM webhook_events)",
        )
        .run(),
    )
    db.close()
    const to = await target()
    const minted = await storeIdOf(to.client)
    const seen: string[] = []
    await expect(copyStore(from.store, to.store, (p) => seen.push(p.table))).rejects.toThrow(
      /copying webhook_events: .*0x00/,
    )
    expect(new Set(seen).size).toBeGreaterThan(10)
    await expectEmpty(to.client, minted)
  })

  it('a connection killed mid-copy leaves the target empty', async () => {
    const from = source()
    const to = await target()
    const minted = await storeIdOf(to.client)
    let killed: Promise<unknown> | undefined
    const copy = copyStore(from.store, to.store, (p) => {
      if (killed === undefined && p.table === 'ledger_postings') {
        killed = to.client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        )
      }
    })
    await expect(copy).rejects.toMatchObject({code: expect.stringMatching(/^57P01$|^08|ECONNRESET/)})
    await killed
    await expectEmpty(to.client, minted)
  })

  it('balances that disagree with the source: nothing committed, the account named (exit 3)', async () => {
    const from = source()
    const db = openDatabase(from.file)
    const balance = db.raw
      .prepare('SELECT account, currency, site FROM ledger_balances WHERE minor <> 0 ORDER BY 1, 2, 3 LIMIT 1')
      .get() as {account: string; currency: string; site: string}
    // ledger_balances is kept by triggers only; a damaged source is what this check is for
    db.write(() =>
      db.raw
        .prepare('UPDATE ledger_balances SET minor = minor + 1 WHERE account = ? AND currency = ? AND site = ?')
        .run(balance.account, balance.currency, balance.site),
    )
    db.close()
    const to = await target()
    const minted = await storeIdOf(to.client)
    const error = await copyStore(from.store, to.store).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CopyCheckError)
    expect(error).toMatchObject({
      exitCode: 3,
      message: expect.stringContaining(`account ${balance.account} ${balance.currency}`),
    })
    await expectEmpty(to.client, minted)
  })

  it('a balance no posting explains (equal on both sides, so only the postings show it): nothing committed', async () => {
    const from = source()
    const db = openDatabase(from.file)
    db.write(() => db.raw.prepare("INSERT INTO ledger_balances VALUES ('assets:stray', 'USD', '', 5)").run())
    db.close()
    const to = await target()
    const minted = await storeIdOf(to.client)
    await expect(copyStore(from.store, to.store)).rejects.toThrow(
      'ledger_balances: account assets:stray USD is 5 minor units, but its postings sum to 0',
    )
    await expectEmpty(to.client, minted)
  })

  it('an audit chain that does not verify: nothing committed, the row named', async () => {
    const from = source()
    const db = openDatabase(from.file)
    db.raw.exec('DROP TRIGGER audit_log_no_update')
    db.write(() => db.raw.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 7").run())
    db.close()
    const to = await target()
    const minted = await storeIdOf(to.client)
    await expect(copyStore(from.store, to.store)).rejects.toThrow(
      "audit_log: the chain breaks at seq 7: hash does not match the row's content",
    )
    await expectEmpty(to.client, minted)
  })

  it('reads one snapshot: rows a writer commits to the source during the copy are not half in it', async () => {
    const from = source()
    const to = await target()
    const writer = openDatabase(from.file)
    cleanups.push(() => writer.close())
    const before = sqliteRows(from.file, 'audit_log', ['seq']).length
    let wrote = 0
    const result: StoreCopyResult = await copyStore(from.store, to.store, (p) => {
      // while the copy is under way, another connection (a sync, say) commits to the source
      if (p.table === 'alerts_outbox' && wrote === 0) {
        for (; wrote < 3; wrote++) appendAudit(writer, {actor: 'sync', action: 'sync.page', outcome: 'ok'})
      }
    })
    expect(wrote).toBe(3)
    expect(sqliteRows(from.file, 'audit_log', ['seq']).length).toBe(before + 3)
    expect(result.tables.find((t) => t.name === 'audit_log')?.rows).toBe(before)
    expect((await to.client.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(before)
  })
})
