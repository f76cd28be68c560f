import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterEach, describe, expect, it} from 'vitest'

import {openDatabase} from '../../src/store/db.js'
import {LATEST_VERSION, MIGRATIONS, runMigrations, type Migration} from '../../src/store/migrations/index.js'
import {tempDir} from './helpers.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

function rawFile(): {file: string; raw: Database.Database} {
  const {dir, cleanup} = tempDir()
  const file = join(dir, 'ledger.db')
  const raw = new Database(file)
  raw.pragma('foreign_keys = ON')
  cleanups.push(() => {
    if (raw.open) raw.close()
    cleanup()
  })
  return {file, raw}
}

/**
 * Rows written at each schema version, as a database of that version would have held them. A new migration
 * that adds a table must add its seed here: the survival test fails while any table is left empty.
 */
const SEEDS: Record<number, string> = {
  1: `
    INSERT INTO sites VALUES ('berlin', 'Berlin', 'EUR', 'DE', 'Europe/Berlin', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
    INSERT INTO customers VALUES ('c1', 'berlin', 'gold', 'Ada', 'ada@example.test', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
    INSERT INTO customer_refs VALUES ('c1', 'stripe', 'cus_123');
    INSERT INTO invoices VALUES ('inv1', 'berlin', 'c1', 12550, 'EUR', '2024-01-01', '2024-01-31', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
    INSERT INTO providers VALUES ('stripe-eu', 'stripe', 'http://127.0.0.1:1', '{}', 1, NULL, '5m,1h', 3, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
    INSERT INTO provider_sites VALUES ('stripe-eu', 'berlin');
    INSERT INTO grants VALUES ('stripe-eu', 'gold', '*', 'write', '2024-01-01T00:00:00.000Z');
    INSERT INTO fx_rates VALUES ('EUR', 'USD', '2024-01-01', '1.1050', 'ecb', '2024-01-01T00:00:00.000Z');
    INSERT INTO audit_log VALUES (1, '2024-01-01T00:00:00.000Z', 'admin', 'sites.add', NULL, 'berlin', 'ok', '{}', '${'0'.repeat(64)}', '${'a'.repeat(64)}');
  `,
  2: `
    INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, customer_id, site_id,
      occurred_at, updated_at, version, normalized_json, raw_json, first_seen_at, last_seen_at)
      VALUES ('stripe-eu:ch_1', 'stripe-eu', 'stripe', 'ch_1', 'payment', 'succeeded', 12550, 'EUR', 'c1', 'berlin',
      '2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z', 1, '{}', '{"id":"ch_1"}', '2024-01-02T00:00:01Z', '2024-01-02T00:00:01Z');
    INSERT INTO transaction_states VALUES ('stripe-eu:ch_1', 1, 'succeeded', 12550, 'EUR', NULL, NULL, '2024-01-02T00:00:00Z', 'pull', '${'b'.repeat(64)}', '2024-01-02T00:00:01Z');
    INSERT INTO ledger_postings (txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
      VALUES ('stripe-eu:ch_1', 1, 'customer:c1', -12550, 'EUR', 'stripe-eu', 'berlin', 'c1', '2024-01-02T00:00:01Z'),
             ('stripe-eu:ch_1', 1, 'clearing:stripe-eu', 12550, 'EUR', 'stripe-eu', 'berlin', 'c1', '2024-01-02T00:00:01Z');
    INSERT INTO ledger_purges VALUES ('nobody');
    INSERT INTO sync_cursors VALUES ('stripe-eu', '{"after":"evt_1"}', '2024-01-02T00:00:01Z');
    INSERT INTO leases VALUES ('stripe-eu', 'host:1', '2024-01-02T00:00:00Z', '2024-01-02T00:05:00Z');
    INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, source, created_at, updated_at)
      VALUES ('stripe-eu', 'ch_2', 'unknown_customer', 'customer cus_9', '{}', 'pull', 'x', 'x');
    INSERT INTO webhook_events (provider, dedup_key, received_at, headers_json, body, status)
      VALUES ('stripe-eu', 'evt_1', 'x', '{}', X'7B7D', 'applied');
    INSERT INTO retries (provider, txn_id, amount_minor, currency, max_attempts, status, created_at, updated_at)
      VALUES ('stripe-eu', 'stripe-eu:ch_3', 500, 'EUR', 4, 'pending', 'x', 'x');
    INSERT INTO retry_attempts VALUES (1, 1, 'stripe-eu', 'k1', 'x', NULL, NULL, NULL, NULL, NULL);
    INSERT INTO alert_targets VALUES ('ops', NULL, '["sync_failed"]', 'json', 1, 'x', 'x');
    INSERT INTO alerts_outbox (event, payload_json, created_at) VALUES ('sync_failed', '{}', 'x');
    INSERT INTO alert_deliveries VALUES (1, 'ops', 0, NULL, NULL);
    INSERT INTO gateway_calls (provider, endpoint, method, status, outcome, duration_ms, attempt, at)
      VALUES ('stripe-eu', 'GET /v1/events', 'GET', 200, 'ok', 12, 1, 'x');
    INSERT INTO sync_latency (provider, txn_id, source, event_at, committed_at, latency_ms)
      VALUES ('stripe-eu', 'stripe-eu:ch_1', 'webhook', 'x', 'y', 40);
    INSERT INTO sync_runs (provider, started_at, status) VALUES ('stripe-eu', 'x', 'ok');
    INSERT INTO reconcile_runs VALUES ('r1', 'berlin', NULL, NULL, NULL, NULL, 'admin', '{}', 'x');
    INSERT INTO reconcile_exceptions (run_id, class) VALUES ('r1', 'unpaid');
  `,
  4: '',
  5: `
    INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, customer_id, site_id,
      occurred_at, updated_at, version, normalized_json, raw_json, first_seen_at, last_seen_at)
      VALUES ('stripe-eu:ch_5', 'stripe-eu', 'stripe', 'ch_5', 'payment', 'pending', 700, 'EUR', 'c1', 'berlin',
      '2024-01-05T00:00:00Z', '2024-01-05T00:00:00Z', 1, '{"metadata":{"order":"A-1"}}', '{"id":"ch_5"}', '2024-01-05T00:00:01Z', '2024-01-05T00:00:01Z');
    INSERT INTO transaction_states (txn_seq, txn_id, version, status, amount_minor, currency, gateway_updated_at, source, raw_sha256, recorded_at)
      SELECT seq, id, 1, 'pending', 700, 'EUR', '2024-01-05T00:00:00Z', 'pull', '${'c'.repeat(64)}', '2024-01-05T00:00:01Z' FROM transactions WHERE id = 'stripe-eu:ch_5';
  `,
  6: `
    INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, customer_id, site_id,
      occurred_at, updated_at, version, metadata_json, raw_json, first_seen_at, last_seen_at)
      VALUES ('stripe-eu:ch_6', 'stripe-eu', 'stripe', 'ch_6', 'payment', 'succeeded', 900, 'EUR', 'c1', 'berlin',
      '2024-01-06T00:00:00Z', '2024-01-06T00:00:00Z', 1, '{}', '{"id":"ch_6"}', '2024-01-06T00:00:01Z', '2024-01-06T00:00:01Z');
    INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
      SELECT seq, id, 1, 'customer:c1', -900, 'EUR', 'stripe-eu', 'berlin', 'c1', '2024-01-06T00:00:01Z' FROM transactions WHERE id = 'stripe-eu:ch_6'
      UNION ALL SELECT seq, id, 1, 'clearing:stripe-eu', 900, 'EUR', 'stripe-eu', 'berlin', 'c1', '2024-01-06T00:00:01Z' FROM transactions WHERE id = 'stripe-eu:ch_6';
  `,
  3: `
    INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, normalized_json, source, created_at, updated_at)
      VALUES ('stripe-eu', 're_4', 'access_denied', 'segment vip', '{}', '{"id":"stripe-eu:re_4"}', 'pull', 'x', 'x');
  `,
}

/** Columns a migration removed on purpose, with where their content went (tested below). */
const DROPPED: Record<number, Record<string, string[]>> = {
  6: {transactions: ['normalized_json']}, // every field has a column; its metadata went to metadata_json
}

function droppedSince(k: number, table: string): string[] {
  return Object.entries(DROPPED).flatMap(([v, t]) => (Number(v) > k ? (t[table] ?? []) : []))
}

function tables(raw: Database.Database): string[] {
  return raw
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[]
}

/** Every row of every table, restricted to the columns that existed at snapshot time. */
function columnsOf(raw: Database.Database, table: string): string[] {
  return (raw.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]).sort()
}

function snapshot(raw: Database.Database, columnsByTable?: Map<string, string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const table of columnsByTable ? [...columnsByTable.keys()] : tables(raw)) {
    const columns = columnsByTable?.get(table) ?? columnsOf(raw, table)
    const rows = raw.prepare(`SELECT * FROM "${table}"`).all() as Array<Record<string, unknown>>
    out.set(
      table,
      rows
        .map((row) =>
          JSON.stringify(
            columns.map((c) => {
              const v = row[c]
              return Buffer.isBuffer(v) ? v.toString('hex') : v
            }),
          ),
        )
        .sort(),
    )
  }
  return out
}

describe('migrations', () => {
  it('are numbered 1..N without gaps, and each seed matches a version', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    expect(Object.keys(SEEDS).map(Number)).toEqual(MIGRATIONS.map((m) => m.version))
  })

  it('build an empty file up to the latest version', () => {
    const {file, raw} = rawFile()
    raw.close()
    const db = openDatabase(file)
    try {
      expect(db.raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
      expect(tables(db.raw)).toEqual(
        expect.arrayContaining(['sites', 'customers', 'customer_refs', 'invoices', 'providers', 'provider_sites',
          'grants', 'fx_rates', 'audit_log', 'transactions', 'transaction_states', 'ledger_postings', 'sync_cursors',
          'leases', 'quarantine', 'webhook_events', 'retries', 'alerts_outbox', 'gateway_calls', 'sync_latency', 'sync_runs']),
      )
      // no table may carry a column that looks like a secret
      for (const table of tables(db.raw)) {
        const columns = db.raw.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]
        expect(columns.filter((c) => /secret|token|password|api_key|private/i.test(c)), table).toEqual([])
      }
      expect(db.raw.pragma('foreign_key_check')).toEqual([])
    } finally {
      db.close()
    }
  })

  // From every earlier version k (0 = empty): data written at version k survives the upgrade to the latest.
  it.each(MIGRATIONS.map((m) => m.version - 1).filter((k) => k >= 1))('upgrade from version %i keeps the data', (k) => {
    const {file, raw} = rawFile()
    for (let v = 1; v <= k; v += 1) {
      runMigrations(raw, MIGRATIONS.slice(0, v))
      raw.exec(SEEDS[v] ?? '')
    }
    expect(raw.pragma('user_version', {simple: true})).toBe(k)
    const before = snapshot(raw)
    for (const [table, rows] of before) expect(rows.length, `seed leaves ${table} empty at version ${k}`).toBeGreaterThan(0)
    const columnsBefore = new Map([...before.keys()].map((t) => [t, columnsOf(raw, t).filter((c) => !droppedSince(k, t).includes(c))]))
    const kept = snapshot(raw, columnsBefore)
    raw.close()

    const db = openDatabase(file)
    try {
      expect(db.raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
      // compare on the columns each table had at version k
      for (const [table, columns] of columnsBefore) {
        expect(columnsOf(db.raw, table), table).toEqual(expect.arrayContaining(columns))
      }
      expect(snapshot(db.raw, columnsBefore)).toEqual(kept)
      expect(db.raw.pragma('foreign_key_check')).toEqual([])
      // and the upgraded file accepts rows written in the latest shape
      db.raw.exec(SEEDS[LATEST_VERSION] ?? '')
    } finally {
      db.close()
    }
  })

  it('006 carries metadata out of normalized_json, keys old postings by their transaction and sums balances', () => {
    const {file, raw} = rawFile()
    for (let v = 1; v <= 5; v += 1) {
      runMigrations(raw, MIGRATIONS.slice(0, v))
      raw.exec(SEEDS[v] ?? '')
    }
    raw.exec(`INSERT INTO invoices VALUES ('inv2', 'berlin', 'c1', 300, 'EUR', '2024-02-01', '2024-02-28', 'x', 'x');
      INSERT INTO ledger_postings (txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
      VALUES ('invoice:inv2', 1, 'customer:c1', 300, 'EUR', NULL, 'berlin', 'c1', 'x'), ('invoice:inv2', 1, 'revenue:berlin', -300, 'EUR', NULL, 'berlin', 'c1', 'x');`)
    raw.close()
    const db = openDatabase(file)
    try {
      const meta = db.raw.prepare('SELECT id, metadata_json FROM transactions ORDER BY id').all()
      expect(meta).toEqual([{id: 'stripe-eu:ch_1', metadata_json: '{}'}, {id: 'stripe-eu:ch_5', metadata_json: '{"order":"A-1"}'}])
      const keys = db.raw.prepare('SELECT txn_id, txn_seq IS NOT NULL AS keyed FROM ledger_postings GROUP BY txn_id ORDER BY txn_id').all()
      expect(keys).toEqual([{txn_id: 'invoice:inv2', keyed: 0}, {txn_id: 'stripe-eu:ch_1', keyed: 1}])
      const sums = db.raw.prepare(`SELECT account, currency, COALESCE(site, '') AS site, SUM(amount_minor) AS minor FROM ledger_postings GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`).all()
      expect(db.raw.prepare('SELECT account, currency, site, minor FROM ledger_balances ORDER BY 1, 2, 3').all()).toEqual(sums)
      expect(sums).toContainEqual({account: 'customer:c1', currency: 'EUR', site: 'berlin', minor: -12550 + 300})
      // the invoice key still refuses the same posting twice
      expect(() => db.raw.exec(`INSERT INTO ledger_postings (txn_id, version, account, amount_minor, currency, site, posted_at) VALUES ('invoice:inv2', 1, 'revenue:berlin', -300, 'EUR', 'berlin', 'x')`)).toThrow(/UNIQUE/)
    } finally {
      db.close()
    }
  })

  it('the full seed set is valid at the latest version (every table covered)', () => {
    const {raw} = rawFile()
    // Each seed is written in the shape of its own version, so they go in as a real file's history would.
    for (const m of MIGRATIONS) {
      runMigrations(raw, MIGRATIONS.slice(0, m.version))
      raw.exec(SEEDS[m.version] ?? '')
    }
    for (const [table, rows] of snapshot(raw)) expect(rows.length, `no seed row for ${table}`).toBeGreaterThan(0)
  })

  it('a failing migration leaves the file at the previous whole version', () => {
    const {raw} = rawFile()
    const broken: Migration = {
      version: 2,
      name: '002-broken',
      up(db) {
        db.exec('CREATE TABLE half_done (x INTEGER)')
        db.exec('INSERT INTO no_such_table VALUES (1)')
      },
    }
    const first = MIGRATIONS[0]
    if (first === undefined) throw new Error('no migrations')
    expect(() => runMigrations(raw, [first, broken])).toThrow(/no such table/)
    expect(raw.pragma('user_version', {simple: true})).toBe(1)
    expect(tables(raw)).not.toContain('half_done')
    expect(tables(raw)).toContain('sites')
  })

  it('runs nothing twice and refuses an out-of-order list', () => {
    const {raw} = rawFile()
    expect(runMigrations(raw, MIGRATIONS)).toEqual(MIGRATIONS.map((m) => m.version))
    expect(runMigrations(raw, MIGRATIONS)).toEqual([])
    expect(() => runMigrations(raw, [...MIGRATIONS].reverse())).toThrow(/expected 1/)
  })
})
