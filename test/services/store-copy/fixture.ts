import {copyFileSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import type pg from 'pg'

import {purgeProviderHistory} from '../../../src/store/repos/purge.js'
import {openDatabase} from '../../../src/store/db.js'
import {runCli} from '../../helpers/cli.js'

/**
 * A real ledger with rows in every table: the demo's sandbox world (sync, webhooks, reconcile, alerts, its audit
 * log) kept in a home, plus what the demo leaves empty, written as the CLI's own services would leave it: one
 * provider's history purged (balances left at zero, ids left with gaps), the last alert's outbox row delivered and
 * removed (AUTOINCREMENT then stands past the greatest id), fx rates, retry settings and a retry with an attempt.
 * Built once per test file (the demo takes a few seconds); each test copies the file.
 */
export async function buildFixture(): Promise<{file: string; cleanup(): void}> {
  const dir = mkdtempSync(join(tmpdir(), 'yms-storecopy-'))
  const home = join(dir, 'home')
  const demo = await runCli(
    ['demo', '--home', home, '--customers', '10', '--transactions', '60', '--seed', '2', '--live', '2', '--json'],
    {timeoutMs: 120_000},
  )
  if (demo.code !== 0) throw new Error(`the demo failed: ${demo.stderr || demo.stdout}`)
  const file = join(home, 'ledger.db')
  const db = openDatabase(file)
  try {
    purgeProviderHistory(db, 'demo-square')
    const raw = db.raw
    db.write(() => {
      const at = '2026-03-01T00:00:00.000Z'
      const customer = raw.prepare('SELECT id, site FROM customers ORDER BY id LIMIT 1').get() as {
        id: string
        site: string
      }
      raw.prepare('DELETE FROM alerts_outbox WHERE seq = (SELECT max(seq) FROM alerts_outbox)').run()
      raw
        .prepare("INSERT INTO alert_conditions VALUES ('gateway_down:demo-stripe', 'down', ?, ?, 'timeouts')")
        .run(at, at)
      raw.prepare("INSERT INTO fx_rates VALUES ('EUR', 'USD', '2026-03-01', '1.0845', 'manual', ?)").run(at)
      raw.prepare("INSERT INTO keychain_legacy_providers VALUES ('demo-stripe')").run()
      raw.prepare("INSERT INTO ledger_purges VALUES ('demo-gone')").run()
      raw.prepare("INSERT INTO provider_sites VALUES ('demo-stripe', ?)").run(customer.site)
      raw
        .prepare(
          "INSERT INTO retry_code_overrides VALUES ('stripe', 'do_not_honor', 'retry', 'issuer says so', ?, 'ops')",
        )
        .run(at)
      raw.prepare("INSERT INTO retry_network_settings VALUES ('visa.max_attempts', '15', ?, 'ops')").run(at)
      raw
        .prepare(
          `INSERT INTO sync_skipped (provider, item_key, external_id, code, reason, raw_json, source, first_seen_at, last_seen_at)
           VALUES ('demo-stripe', 'evt_1', 'evt_1', 'issuing.card', 'unknown_code', '{"id":"evt_1"}', 'pull', ?, ?)`,
        )
        .run(at, at)
      const retry = raw
        .prepare(
          `INSERT INTO retries (txn_id, provider, customer_id, site_id, amount_minor, currency, failure_code, failed_at,
             status, next_at, note, queued_at, updated_at)
           VALUES ('demo-stripe:ch_failed', 'demo-stripe', ?, ?, 4200, 'USD', 'insufficient_funds', ?, 'queued', ?,
             'waiting for payday', ?, ?)`,
        )
        .run(customer.id, customer.site, at, at, at, at)
      raw
        .prepare(
          `INSERT INTO retry_attempts (retry_id, seq, slot, provider, route, route_reason, method_ref, idempotency_key,
             request_json, status, failure_code, decision, reason, failure_origin, started_at, finished_at)
           VALUES (?, 1, 1, 'demo-stripe', 'primary', 'first attempt', 'pm_1', 'idem-1', '{"amount":4200}', 'failed',
             'insufficient_funds', 'retry', 'soft decline', 'decline', ?, ?)`,
        )
        .run(retry.lastInsertRowid, at, at)
    })
  } finally {
    db.close()
  }
  return {file, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/** A copy of the fixture's ledger in a directory of its own, to change or to copy from. */
export function sourceCopy(fixture: string): {file: string; cleanup(): void} {
  const dir = mkdtempSync(join(tmpdir(), 'yms-storecopy-src-'))
  mkdirSync(join(dir, 'home'))
  const file = join(dir, 'home', 'ledger.db')
  copyFileSync(fixture, file)
  return {file, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/** The ledger tables of a SQLite file, with their primary keys, read independently of the code under test. */
export function sqliteTables(file: string): Array<{name: string; key: string[]}> {
  const raw = new Database(file, {readonly: true})
  try {
    const names = raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[]
    return names.map((name) => {
      const columns = raw.pragma(`table_info(${name})`) as Array<{name: string; pk: number}>
      const key = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk)
      return {name, key: (key.length > 0 ? key : columns).map((c) => c.name)}
    })
  } finally {
    raw.close()
  }
}

type Rows = Array<Record<string, unknown>>

/** Every row of a table, ordered by its key, integers as BigInt: exact on both engines. */
export function sqliteRows(file: string, table: string, key: string[]): Rows {
  const raw = new Database(file, {readonly: true})
  try {
    return raw
      .prepare(`SELECT * FROM "${table}" ORDER BY ${key.map((c) => `"${c}"`).join(', ')}`)
      .safeIntegers(true)
      .all() as Rows
  } finally {
    raw.close()
  }
}

/** The same from PostgreSQL, through the test helper's client (bigint as BigInt, bytea as Buffer). */
export async function pgRows(client: pg.Client, table: string, key: string[]): Promise<Rows> {
  const {rows} = await client.query(`SELECT * FROM "${table}" ORDER BY ${key.map((c) => `"${c}"`).join(', ')}`)
  return rows as Rows
}

export function sqliteSequence(file: string): Record<string, bigint> {
  const raw = new Database(file, {readonly: true})
  try {
    const rows = raw.prepare('SELECT name, seq FROM sqlite_sequence').safeIntegers(true).all() as Array<{
      name: string
      seq: bigint
    }>
    return Object.fromEntries(rows.map((r) => [r.name, r.seq]))
  } finally {
    raw.close()
  }
}
