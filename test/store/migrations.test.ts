import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterEach, describe, expect, it} from 'vitest'

import {ConfigError} from '../../src/core/errors.js'
import {openDatabase} from '../../src/store/db.js'
import {LATEST_VERSION, MIGRATIONS, runMigrations, type Migration} from '../../src/store/migrations/index.js'
import {LEGACY_MIGRATIONS, LEGACY_SEEDS, TABLES_LEFT_OUT_OF_BASELINE} from './fixtures/legacy-migrations/index.js'
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

const first = MIGRATIONS[0]
if (first === undefined) throw new Error('no migrations')
const BASELINE: Migration = first
const LEFT_OUT: readonly string[] = TABLES_LEFT_OUT_OF_BASELINE
/**
 * Rows written at each schema version, in that version's shape. A new migration that adds a table must add its
 * seed here: the survival test fails while any table is left empty. Ids differ from the legacy seeds', so the
 * latest seed also goes into a file the pre-release chain made.
 */
const SEEDS: Record<number, string> = {
  6: `
    INSERT INTO sites VALUES ('lyon', 'Lyon', 'EUR', 'FR', 'Europe/Paris', '2024-01-06T00:00:00.000Z', '2024-01-06T00:00:00.000Z');
    INSERT INTO customers VALUES ('c6', 'lyon', 'silver', 'Grace', 'grace@example.test', '2024-01-06T00:00:00.000Z', '2024-01-06T00:00:00.000Z');
    INSERT INTO customer_refs VALUES ('c6', 'adyen', 'shopper_6');
    INSERT INTO invoices VALUES ('inv6', 'lyon', 'c6', 900, 'EUR', '2024-01-06', NULL, '2024-01-06T00:00:00.000Z', '2024-01-06T00:00:00.000Z');
    INSERT INTO providers VALUES ('adyen-fr', 'adyen', NULL, '{"merchantAccount":"M6"}', 1, NULL, NULL, NULL, '2024-01-06T00:00:00.000Z', '2024-01-06T00:00:00.000Z');
    INSERT INTO provider_sites VALUES ('adyen-fr', 'lyon');
    INSERT INTO grants VALUES ('adyen-fr', 'silver', 'lyon', 'write', '2024-01-06T00:00:00.000Z');
    INSERT INTO fx_rates VALUES ('EUR', 'GBP', '2024-01-06', '0.8600', 'ecb', '2024-01-06T00:00:00.000Z');
    INSERT INTO audit_log SELECT COALESCE(MAX(seq), 0) + 1, '2024-01-06T00:00:00.000Z', 'admin', 'providers.add', 'adyen-fr',
      'adyen-fr', 'ok', '{}', '${'d'.repeat(64)}', '${'e'.repeat(64)}' FROM audit_log;
    INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, customer_id, site_id,
      occurred_at, updated_at, version, metadata_json, raw_json, first_seen_at, last_seen_at)
      VALUES ('adyen-fr:psp_6', 'adyen-fr', 'adyen', 'psp_6', 'payment', 'succeeded', 900, 'EUR', 'c6', 'lyon',
      '2024-01-06T00:00:00Z', '2024-01-06T00:00:00Z', 1, '{"order":"B-6"}', '{"pspReference":"psp_6"}', '2024-01-06T00:00:01Z', '2024-01-06T00:00:01Z');
    INSERT INTO transaction_states (txn_seq, txn_id, version, status, amount_minor, currency, gateway_updated_at, source, raw_sha256, recorded_at)
      SELECT seq, id, 1, 'succeeded', 900, 'EUR', '2024-01-06T00:00:00Z', 'pull', '${'f'.repeat(64)}', '2024-01-06T00:00:01Z' FROM transactions WHERE id = 'adyen-fr:psp_6';
    INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
      SELECT seq, id, 1, 'customer:c6', -900, 'EUR', 'adyen-fr', 'lyon', 'c6', '2024-01-06T00:00:01Z' FROM transactions WHERE id = 'adyen-fr:psp_6'
      UNION ALL SELECT seq, id, 1, 'clearing:adyen-fr', 900, 'EUR', 'adyen-fr', 'lyon', 'c6', '2024-01-06T00:00:01Z' FROM transactions WHERE id = 'adyen-fr:psp_6';
    INSERT INTO ledger_postings (txn_id, version, account, amount_minor, currency, site, customer, posted_at)
      VALUES ('invoice:inv6', 1, 'customer:c6', 900, 'EUR', 'lyon', 'c6', '2024-01-06T00:00:00Z'),
             ('invoice:inv6', 1, 'revenue:lyon', -900, 'EUR', 'lyon', 'c6', '2024-01-06T00:00:00Z');
    INSERT INTO ledger_purges VALUES ('nobody-6');
    INSERT INTO sync_cursors VALUES ('adyen-fr', '{"page":2}', '2024-01-06T00:00:01Z');
    INSERT INTO leases VALUES ('adyen-fr', 'host:6', '2024-01-06T00:00:00Z', '2024-01-06T00:05:00Z');
    INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, normalized_json, source, created_at, updated_at)
      VALUES ('adyen-fr', 'psp_8', 'unknown_customer', 'shopper shopper_8', '{}', '{"id":"adyen-fr:psp_8"}', 'webhook', 'x', 'x');
    INSERT INTO gateway_calls (provider, endpoint, method, status, outcome, duration_ms, attempt, at)
      VALUES ('adyen-fr', 'POST /payments/details', 'POST', 200, 'ok', 30, 1, 'x');
    INSERT INTO sync_latency (provider, txn_id, source, event_at, committed_at, latency_ms)
      VALUES ('adyen-fr', 'adyen-fr:psp_6', 'pull', 'x', 'y', 90);
    INSERT INTO sync_runs (provider, started_at, status) VALUES ('adyen-fr', 'x', 'ok');
  `,
  // 002 only drops tables nothing wrote.
  7: '',
  // 003: merchant-level bookings carry a signed amount and no customer; skipped objects and their run count.
  8: `
    INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, customer_id, site_id,
      occurred_at, updated_at, version, metadata_json, raw_json, first_seen_at, last_seen_at)
      VALUES ('adyen-fr:sdr_8_1', 'adyen-fr', 'adyen', 'sdr_8_1', 'adjustment', 'succeeded', -400, 'EUR', NULL, NULL,
      '2024-01-08T00:00:00Z', '2024-01-08T00:00:00Z', 1, '{"yms_booking":"Balancetransfer"}', '{"Type":"Balancetransfer"}', '2024-01-08T00:00:01Z', '2024-01-08T00:00:01Z');
    INSERT INTO transaction_states (txn_seq, txn_id, version, status, amount_minor, currency, gateway_updated_at, source, raw_sha256, recorded_at)
      SELECT seq, id, 1, 'succeeded', -400, 'EUR', '2024-01-08T00:00:00Z', 'pull', '${'a'.repeat(64)}', '2024-01-08T00:00:01Z' FROM transactions WHERE id = 'adyen-fr:sdr_8_1';
    INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
      SELECT seq, id, 1, 'clearing:adyen-fr', -400, 'EUR', 'adyen-fr', NULL, NULL, '2024-01-08T00:00:01Z' FROM transactions WHERE id = 'adyen-fr:sdr_8_1'
      UNION ALL SELECT seq, id, 1, 'adjustments:adyen-fr', 400, 'EUR', 'adyen-fr', NULL, NULL, '2024-01-08T00:00:01Z' FROM transactions WHERE id = 'adyen-fr:sdr_8_1';
    INSERT INTO sync_skipped (provider, item_key, external_id, code, reason, raw_json, source, first_seen_at, last_seen_at)
      VALUES ('paypal-us', '7XK01', '7XK01', 'T1110', 'a hold for a dispute moves no money in yms-pay''s accounts', '{}', 'pull', 'x', 'x');
    INSERT INTO sync_runs (provider, started_at, status, skipped) VALUES ('paypal-us', 'x', 'ok', 1);
    INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, normalized_json, source, created_at, updated_at)
      VALUES ('adyen-fr', 'psp_9_refund', 'awaiting_parent', 'payment psp_9 is not in the ledger yet', '{}',
      '{"id":"adyen-fr:psp_9_refund","parentExternalId":"psp_9"}', 'pull', 'x', 'x');
  `,
  // 004 fills its own tables: the store id, and the providers the file had (adyen-fr) as predating per-store keychain
  // entries. A provider added afterwards is not one of them.
  9: `
    INSERT INTO providers VALUES ('stripe-9', 'stripe', NULL, '{}', 1, NULL, NULL, NULL, '2024-01-08T00:00:00.000Z', '2024-01-08T00:00:00.000Z');
  `,
  // 005: reconciliation runs and their exceptions.
  10: `
    INSERT INTO sites VALUES ('nantes', 'Nantes', 'EUR', 'FR', 'Europe/Paris', '2024-01-08T00:00:00.000Z', '2024-01-08T00:00:00.000Z');
    INSERT INTO reconciliation_runs (site, from_at, to_at, providers_json, tolerance, window_days, actor, at, exceptions,
      open_exceptions, summary_json, found_json)
      VALUES ('nantes', NULL, NULL, '[]', '0.5%', 30, 'admin', '2024-01-08T00:00:00.000Z', 1, 1, '{}',
      '[["rx_0123456789abcdef","${'a'.repeat(64)}"]]');
    INSERT INTO reconciliation_exceptions (id, site, class, subject, facts_sha256, detail_json, status, first_run, last_run)
      SELECT 'rx_0123456789abcdef', 'nantes', 'unpaid', 'invoice:inv8', '${'a'.repeat(64)}', '{}', 'open', max(id), max(id)
      FROM reconciliation_runs;
  `,
  // 006: alerts: a target, an alert in the outbox with its delivery, and a gateway's down condition.
  11: `
    INSERT INTO alert_targets (id, url, format, events, enabled, disabled_reason, rotation_ends_at, created_at, updated_at)
      VALUES ('ops-10', 'https://alerts.example.test/hook', 'standard', 'gateway_down,balance_changed', 1, NULL, NULL, 'x', 'x');
    INSERT INTO alerts_outbox (message_id, event, subject, provider, customer, site, order_key, dedup_key, payload, raised_at)
      VALUES ('msg_10', 'gateway_down', 'adyen-fr', 'adyen-fr', NULL, NULL, 'provider:adyen-fr', 'gateway_down:adyen-fr:x',
      '{"type":"gateway_down"}', 'x');
    INSERT INTO alert_deliveries (outbox_seq, target_id, order_key, status, attempts, next_attempt_at)
      SELECT seq, 'ops-10', order_key, 'pending', 1, 'y' FROM alerts_outbox WHERE message_id = 'msg_10';
    INSERT INTO alert_conditions (key, state, since, changed_at, detail) VALUES ('gateway:adyen-fr', 'down', 'x', 'x', NULL);
  `,
  // 007: retry decisions admins configure, and the decline codes seen on failed payments.
  12: `
    INSERT INTO retry_code_overrides VALUES ('stripe', 'generic_decline', 'terminal', 'too many chargebacks', '2024-01-10T00:00:00.000Z', 'admin');
    INSERT INTO retry_network_settings VALUES ('visa-reattempts-30d', '20', '2024-01-10T00:00:00.000Z', 'admin');
    INSERT INTO decline_codes VALUES ('stripe-9', 'stripe', 'new_code', 2, 2, 'unmapped', 'terminal', 'Declined', 'stripe-9:ch_10',
      '2024-01-10T00:00:00.000Z', '2024-01-10T00:00:01.000Z');
  `,
  // 008: retry chains of failed payments, their attempts (written before each request), stored payment methods.
  13: `
    INSERT INTO sites VALUES ('rennes', 'Rennes', 'EUR', 'FR', 'Europe/Paris', '2024-01-10T00:00:00.000Z', '2024-01-10T00:00:00.000Z');
    INSERT INTO customers VALUES ('c13', 'rennes', 'silver', 'Hedy', 'hedy@example.test', '2024-01-10T00:00:00.000Z', '2024-01-10T00:00:00.000Z');
    INSERT INTO payment_methods VALUES ('c13', 'adyen', 'stored_10', '2024-01-10T00:00:00.000Z');
    INSERT INTO retries (id, txn_id, provider, customer_id, site_id, invoice_ref, amount_minor, currency, failure_code,
      failed_at, status, slots_used, next_at, note, queued_at, updated_at)
      VALUES (10, 'adyen-fr:psp_10', 'adyen-fr', 'c13', 'rennes', 'inv10', 900, 'EUR', '12', '2024-01-10T00:00:00Z',
      'resolving', 1, '2024-01-10T01:00:15Z', 'outcome unknown', '2024-01-10T00:00:01Z', '2024-01-10T01:00:00Z');
    INSERT INTO retry_attempts (retry_id, seq, slot, provider, route, route_reason, method_ref, idempotency_key,
      request_json, status, started_at) VALUES (10, 1, 1, 'adyen-fr', 'primary', 'adyen-fr is up', 'stored_10',
      'ymsr-0123456789abcdef0123-1', '{}', 'sending', '2024-01-10T01:00:00Z');
  `,
  // 009: verified webhook deliveries, one per gateway event.
  14: `
    INSERT INTO webhook_events (provider, dedup_key, received_at, committed_at, commit_ms, last_delivery_at, status,
      summary, events_json, body, applied_json)
      VALUES ('stripe-9', 'evt_10', '2024-01-10T00:00:00.000Z', '2024-01-10T00:00:00.004Z', 4, '2024-01-10T00:00:00.000Z',
      'applied', 'charge.succeeded', '[]', X'7B7D', '{}');
  `,
  // 010: claims name their claimant.
  15: `
    INSERT INTO webhook_events (provider, dedup_key, received_at, committed_at, commit_ms, last_delivery_at, status,
      summary, events_json, body, applied_json, next_fetch_at, claimed_by)
      VALUES ('stripe-9', 'evt_15', '2024-01-15T00:00:00.000Z', '2024-01-15T00:00:00.004Z', 4, '2024-01-15T00:00:00.000Z',
      'fetching', 'charge.updated', '[]', X'7B7D', '{}', '2024-01-15T00:10:00.000Z', 'webhooks@host#15#1#abcdef12');
  `,
  // 011: an invoice's row number is a column (the rowid), carried as one by a copy.
  16: `
    INSERT INTO sites VALUES ('tours', 'Tours', 'EUR', 'FR', 'Europe/Paris', '2024-01-16T00:00:00.000Z', '2024-01-16T00:00:00.000Z');
    INSERT INTO customers VALUES ('c16', 'tours', 'silver', 'Ada', 'ada@example.test', '2024-01-16T00:00:00.000Z', '2024-01-16T00:00:00.000Z');
    INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, due_at, created_at, updated_at, row_no)
      VALUES ('inv16', 'tours', 'c16', 1600, 'EUR', '2024-01-16', NULL, '2024-01-16T00:00:00.000Z', '2024-01-16T00:00:00.000Z', 1016);
  `,
}

/** Columns a migration removed on purpose, by the version that removed them (their content's new home tested). */
const DROPPED: Record<number, Record<string, string[]>> = {}

function droppedSince(k: number, table: string): string[] {
  return Object.entries(DROPPED).flatMap(([v, t]) => (Number(v) > k ? (t[table] ?? []) : []))
}

function tables(raw: Database.Database): string[] {
  return raw
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[]
}

function columnsOf(raw: Database.Database, table: string): string[] {
  return (raw.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]).sort()
}

/** Every row of every table, restricted to the given columns (default: all of them). */
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

/**
 * A table's schema entries (itself, its indexes and triggers) with comments, identifier quotes and layout taken
 * out of their SQL, since ALTER TABLE edits the stored text in place; plus what SQLite itself reports of its
 * columns, keys and indexes, so the comparison does not rest on the text alone.
 */
function schemaByTable(raw: Database.Database): Map<string, string[]> {
  const rows = raw.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema').all() as Array<{
    type: string
    name: string
    tbl_name: string
    sql: string | null
  }>
  const out = new Map<string, string[]>()
  for (const r of rows)
    out.set(r.tbl_name, [...(out.get(r.tbl_name) ?? []), `${r.type} ${r.name}: ${normalisedSql(r.sql)}`])
  for (const table of tables(raw)) {
    const indexes = (
      raw
        .prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name')
        .all(table) as Array<{name: string}>
    ).map((index) => ({
      ...index,
      columns: raw.prepare('SELECT seqno, cid, name, "desc", coll, "key" FROM pragma_index_xinfo(?)').all(index.name),
    }))
    out
      .get(table)
      ?.push(
        `columns: ${JSON.stringify(raw.prepare('SELECT * FROM pragma_table_xinfo(?)').all(table))}`,
        `foreign keys: ${JSON.stringify(raw.prepare('SELECT * FROM pragma_foreign_key_list(?)').all(table))}`,
        `indexes: ${JSON.stringify(indexes)}`,
      )
  }
  for (const entries of out.values()) entries.sort()
  return out
}

function normalisedSql(sql: string | null): string {
  if (sql === null) return '(made by SQLite)'
  return sql
    .replace(/--[^\n]*/g, '')
    .replaceAll('"', '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([(),]) ?/g, '$1')
    .trim()
}

/**
 * The pre-release tables still there in their pre-release shape. 002 drops them; a feature's own migration may then
 * create a table of the same name afresh (005 does for the alert tables), which is its own schema, not a leftover.
 */
function preReleaseShaped(raw: Database.Database): string[] {
  const legacy = new Database(':memory:')
  try {
    runMigrations(legacy, LEGACY_MIGRATIONS)
    const old = schemaByTable(legacy)
    const now = schemaByTable(raw)
    return LEFT_OUT.filter((t) => now.has(t) && JSON.stringify(now.get(t)) === JSON.stringify(old.get(t)))
  } finally {
    legacy.close()
  }
}

function without(schema: Map<string, string[]>, names: readonly string[]): Map<string, string[]> {
  return new Map([...schema].filter(([table]) => !names.includes(table)))
}

/** The file as the current list writes it at version k: each step applied in turn, with its seed after it. */
function buildAt(raw: Database.Database, k: number): void {
  for (const m of MIGRATIONS.filter((m) => m.version <= k)) {
    runMigrations(raw, MIGRATIONS.slice(0, MIGRATIONS.indexOf(m) + 1))
    raw.exec(SEEDS[m.version] ?? '')
  }
}

/** The file a pre-release build left at version k, with rows written in each version's shape. */
function buildLegacyAt(raw: Database.Database, k: number): void {
  for (let v = 1; v <= k; v += 1) {
    runMigrations(raw, LEGACY_MIGRATIONS.slice(0, v))
    raw.exec(LEGACY_SEEDS[v] ?? '')
  }
}

function balancesMatchPostings(raw: Database.Database): void {
  const sums = raw
    .prepare(
      `SELECT account, currency, COALESCE(site, '') AS site, SUM(amount_minor) AS minor FROM ledger_postings GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    )
    .all()
  expect(raw.prepare('SELECT account, currency, site, minor FROM ledger_balances ORDER BY 1, 2, 3').all()).toEqual(sums)
}

describe('migrations', () => {
  it('start at the baseline, where the pre-release chain ended, are numbered without gaps, and each seed matches a version', () => {
    expect(BASELINE.name).toBe('001-baseline')
    expect(BASELINE.version).toBe(LEGACY_MIGRATIONS.length)
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => BASELINE.version + i))
    expect(LATEST_VERSION).toBe(MIGRATIONS.at(-1)?.version)
    expect(Object.keys(SEEDS).map(Number)).toEqual(MIGRATIONS.map((m) => m.version))
  })

  it('build an empty file up to the latest version', () => {
    const {file, raw} = rawFile()
    raw.close()
    const db = openDatabase(file)
    try {
      expect(db.raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
      expect(preReleaseShaped(db.raw)).toEqual([])
      expect(tables(db.raw)).toEqual(
        expect.arrayContaining([
          'sites',
          'customers',
          'customer_refs',
          'invoices',
          'providers',
          'provider_sites',
          'grants',
          'fx_rates',
          'audit_log',
          'transactions',
          'transaction_states',
          'ledger_postings',
          'sync_cursors',
          'leases',
          'quarantine',
          'gateway_calls',
          'sync_latency',
          'sync_runs',
          'ledger_balances',
        ]),
      )
      // no table may carry a column that looks like a secret
      for (const table of tables(db.raw)) {
        const columns = db.raw.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]
        expect(
          columns.filter((c) => /secret|token|password|api_key|private/i.test(c)),
          table,
        ).toEqual([])
      }
      expect(db.raw.pragma('foreign_key_check')).toEqual([])
    } finally {
      db.close()
    }
  })

  it('the baseline builds the schema the pre-release chain 001-006 left, minus the tables nothing uses yet', () => {
    const legacy = rawFile().raw
    const fresh = rawFile().raw
    expect(runMigrations(legacy, LEGACY_MIGRATIONS)).toEqual([1, 2, 3, 4, 5, 6])
    expect(runMigrations(fresh, [BASELINE])).toEqual([BASELINE.version])
    expect(fresh.pragma('user_version', {simple: true})).toBe(legacy.pragma('user_version', {simple: true}))

    const legacySchema = schemaByTable(legacy)
    const baselineSchema = schemaByTable(fresh)
    for (const table of LEFT_OUT) {
      expect(legacySchema.has(table), `${table} is in the chain`).toBe(true)
      expect(baselineSchema.has(table), `${table} is left out`).toBe(false)
    }
    const kept = without(legacySchema, LEFT_OUT)
    expect([...baselineSchema.keys()].sort()).toEqual([...kept.keys()].sort())
    for (const [table, entries] of kept) expect(baselineSchema.get(table), table).toEqual(entries)
  })

  // From every version a file can be at (the baseline on): its data survives opening with the latest code.
  it.each(MIGRATIONS.map((m) => m.version))(
    'a file at version %i keeps its data through the upgrade to the latest',
    (k) => {
      const {file, raw} = rawFile()
      buildAt(raw, k)
      expect(raw.pragma('user_version', {simple: true})).toBe(k)
      const before = snapshot(raw)
      for (const [table, rows] of before)
        expect(rows.length, `seed leaves ${table} empty at version ${k}`).toBeGreaterThan(0)
      const columnsBefore = new Map(
        [...before.keys()].map((t) => [t, columnsOf(raw, t).filter((c) => !droppedSince(k, t).includes(c))]),
      )
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
        // and the upgraded file accepts rows written in the latest shape (the latest's own seed is in it already)
        if (k < LATEST_VERSION) db.raw.exec(SEEDS[LATEST_VERSION] ?? '')
      } finally {
        db.close()
      }
    },
  )

  it('version 16 makes the rowid of each invoice its row_no: import order and gaps kept, new rows after the greatest', () => {
    const {file, raw} = rawFile()
    buildAt(raw, 15)
    const at = '2024-01-15T00:00:00.000Z'
    const insert = raw.prepare(
      `INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, created_at, updated_at)
       VALUES (?, 'lyon', 'c6', 100, 'EUR', '2024-01-15', '${at}', '${at}')`,
    )
    for (const id of ['inv-z', 'inv-a', 'inv-gone', 'inv-m']) insert.run(id)
    raw.exec(`DELETE FROM invoices WHERE id = 'inv-gone'`)
    const before = raw.prepare('SELECT rowid AS row, id FROM invoices ORDER BY rowid').all()
    raw.close()
    const db = openDatabase(file)
    try {
      expect(db.raw.prepare('SELECT row_no AS row, id FROM invoices ORDER BY row_no').all()).toEqual(before)
      expect(db.raw.prepare('SELECT count(*) FROM invoices WHERE row_no <> rowid').pluck().get()).toBe(0)
      db.raw.exec(`INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, created_at, updated_at)
        VALUES ('inv-new', 'lyon', 'c6', 1, 'EUR', '2024-01-16', '${at}', '${at}')`)
      const greatest = (before.at(-1) as {row: number}).row
      expect(db.raw.prepare(`SELECT row_no FROM invoices WHERE id = 'inv-new'`).pluck().get()).toBe(greatest + 1)
      expect(() =>
        db.raw
          .exec(`INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, created_at, updated_at)
          VALUES ('inv-a', 'lyon', 'c6', 1, 'EUR', '2024-01-16', '${at}', '${at}')`),
      ).toThrow(/UNIQUE constraint failed: invoices.id/)
    } finally {
      db.close()
    }
  })

  it('ledger_balances follow the postings, and the invoice key refuses the same posting twice', () => {
    const {file, raw} = rawFile()
    buildAt(raw, LATEST_VERSION)
    raw.close()
    const db = openDatabase(file)
    try {
      balancesMatchPostings(db.raw)
      expect(db.raw.prepare(`SELECT minor FROM ledger_balances WHERE account = 'customer:c6'`).pluck().get()).toBe(
        -900 + 900,
      )
      expect(db.raw.prepare(`SELECT minor FROM ledger_balances WHERE account = 'revenue:lyon'`).pluck().get()).toBe(
        -900,
      )
      expect(() =>
        db.raw.exec(
          `INSERT INTO ledger_postings (txn_id, version, account, amount_minor, currency, site, posted_at) VALUES ('invoice:inv6', 1, 'revenue:lyon', -900, 'EUR', 'lyon', 'x')`,
        ),
      ).toThrow(/UNIQUE/)
    } finally {
      db.close()
    }
  })

  it('the full seed set is valid at the latest version (every table covered)', () => {
    const {raw} = rawFile()
    // Each seed is written in the shape of its own version, so they go in as a real file's history would.
    buildAt(raw, LATEST_VERSION)
    for (const [table, rows] of snapshot(raw)) expect(rows.length, `no seed row for ${table}`).toBeGreaterThan(0)
  })

  it('a failing migration leaves the file at the previous whole version', () => {
    const {raw} = rawFile()
    const broken: Migration = {
      version: BASELINE.version + 1,
      name: '002-broken',
      up(db) {
        db.exec('CREATE TABLE half_done (x INTEGER)')
        db.exec('INSERT INTO no_such_table VALUES (1)')
      },
    }
    expect(() => runMigrations(raw, [BASELINE, broken])).toThrow(/no such table/)
    expect(raw.pragma('user_version', {simple: true})).toBe(BASELINE.version)
    expect(tables(raw)).not.toContain('half_done')
    expect(tables(raw)).toContain('sites')
  })

  it('runs nothing twice and refuses an out-of-order list', () => {
    const {raw} = rawFile()
    expect(runMigrations(raw, MIGRATIONS)).toEqual(MIGRATIONS.map((m) => m.version))
    expect(runMigrations(raw, MIGRATIONS)).toEqual([])
    const step = (version: number): Migration => ({version, name: `step-${version}`, up: () => undefined})
    const next = LATEST_VERSION + 1
    expect(() => runMigrations(raw, [...MIGRATIONS, step(next + 1)])).toThrow(
      `step-${next + 1} has version ${next + 1}, expected ${next}`,
    )
    expect(() => runMigrations(raw, [step(next), ...MIGRATIONS])).toThrow(`expected ${next + 1}`)
    expect(raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
  })

  it('a step that rebuilds a referenced table runs with foreign keys off and is checked before it commits', () => {
    const {raw} = rawFile()
    buildAt(raw, LATEST_VERSION)
    const rebuildSites = (keep: string, flagged: boolean): Migration => ({
      version: LATEST_VERSION + 1,
      name: 'test-rebuild-sites',
      rebuildsReferencedTable: flagged,
      up(db) {
        db.exec(`CREATE TABLE sites_new (id TEXT PRIMARY KEY, name TEXT NOT NULL, currency TEXT NOT NULL, country TEXT,
            timezone TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
          INSERT INTO sites_new SELECT * FROM sites WHERE ${keep};
          DROP TABLE sites;
          ALTER TABLE sites_new RENAME TO sites;`)
      },
    })
    const sitesBefore = snapshot(raw).get('sites')

    // unflagged, dropping a referenced table deletes its rows under enforced foreign keys
    expect(() => runMigrations(raw, [...MIGRATIONS, rebuildSites('1', false)])).toThrow(/FOREIGN KEY/)
    // flagged, a rebuild that loses referenced rows is caught before it commits
    expect(() => runMigrations(raw, [...MIGRATIONS, rebuildSites('0', true)])).toThrow(/would break \d+ foreign key/)
    expect(raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
    expect(snapshot(raw).get('sites')).toEqual(sitesBefore)
    expect(raw.pragma('foreign_keys', {simple: true})).toBe(1)

    expect(runMigrations(raw, [...MIGRATIONS, rebuildSites('1', true)])).toEqual([LATEST_VERSION + 1])
    expect(snapshot(raw).get('sites')).toEqual(sitesBefore)
    expect(raw.pragma('foreign_key_check')).toEqual([])
    expect(raw.pragma('foreign_keys', {simple: true})).toBe(1)
  })
})

describe('files made by pre-release builds', () => {
  it('one the whole chain made (version 6) counts as migrated: its unused tables dropped, the same schema, every row kept, new rows taken', () => {
    const {file, raw} = rawFile()
    buildLegacyAt(raw, LEGACY_MIGRATIONS.length)
    const before = snapshot(raw)
    for (const [table, rows] of without(before, LEFT_OUT))
      expect(rows.length, `legacy seed leaves ${table} empty`).toBeGreaterThan(0)
    // Later migrations may add tables and columns: the rows kept are compared on what the file had.
    const columnsBefore = new Map([...without(before, LEFT_OUT).keys()].map((t) => [t, columnsOf(raw, t)]))
    raw.close()
    const reference = rawFile()
    reference.raw.close()
    const fresh = openDatabase(reference.file)
    const db = openDatabase(file)
    try {
      expect(db.raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
      // Later migrations run on it as on any file: 002 drops the left-out tables (empty: nothing ever wrote them).
      expect(schemaByTable(db.raw)).toEqual(schemaByTable(fresh.raw))
      expect(preReleaseShaped(db.raw)).toEqual([])
      // Every row of every table the file had; tables later migrations add (and fill) are theirs to test.
      expect(snapshot(db.raw, columnsBefore)).toEqual(without(before, LEFT_OUT))
      expect(db.raw.pragma('foreign_key_check')).toEqual([])
      db.raw.exec(SEEDS[LATEST_VERSION] ?? '')
      balancesMatchPostings(db.raw)
      expect(db.raw.prepare(`SELECT minor FROM ledger_balances WHERE account = 'customer:c1'`).pluck().get()).toBe(
        -12550 - 900,
      )
    } finally {
      db.close()
      fresh.close()
    }
  })

  it.each([1, 2, 3, 4, 5])('one at version %i is refused with exit 78 and left as it was', (k) => {
    const {file, raw} = rawFile()
    buildLegacyAt(raw, k)
    const before = snapshot(raw)
    raw.close()
    for (const readonly of [false, true]) {
      let caught: unknown
      try {
        openDatabase(file, {readonly}).close()
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(ConfigError)
      const error = caught as ConfigError
      expect(error.exitCode).toBe(78)
      expect(error.code).toBe('schema_pre_release')
      expect(error.message).toContain(`schema version ${k}`)
      expect(error.hint).toContain(`upgrades it to version ${BASELINE.version}`)
    }
    const check = new Database(file)
    try {
      expect(check.pragma('user_version', {simple: true})).toBe(k)
      expect(snapshot(check)).toEqual(before)
    } finally {
      check.close()
    }
  })
})

describe('003: merchant-level bookings and skipped objects', () => {
  it('a transaction amount may be negative only for a fee, payout or adjustment', () => {
    const {raw} = rawFile()
    buildAt(raw, LATEST_VERSION)
    const insert = (id: string, type: string, minor: number) =>
      raw.exec(`INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency,
        occurred_at, updated_at, version, raw_json, first_seen_at, last_seen_at)
        VALUES ('p:${id}', 'p', 'adyen', '${id}', '${type}', 'succeeded', ${minor}, 'EUR', 'x', 'x', 1, '{}', 'x', 'x')`)
    for (const type of ['fee', 'payout', 'adjustment']) expect(() => insert(`${type}_1`, type, -100)).not.toThrow()
    for (const type of ['payment', 'refund', 'dispute'])
      expect(() => insert(`${type}_1`, type, -100), type).toThrow(/CHECK constraint failed/)
  })
})

describe('004: the store id', () => {
  it('is generated once per file, never changes, and lists the providers the file had as predating it', () => {
    const a = rawFile()
    buildAt(a.raw, 8)
    a.raw.close()
    const b = rawFile()
    b.raw.close()
    const upgraded = openDatabase(a.file)
    const fresh = openDatabase(b.file)
    try {
      const idOf = (raw: Database.Database) => raw.prepare('SELECT store_id FROM store_identity').pluck().all()
      const [id] = idOf(upgraded.raw) as string[]
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(idOf(fresh.raw)).toHaveLength(1)
      expect(idOf(fresh.raw)).not.toEqual([id])
      expect(() => upgraded.raw.exec(`UPDATE store_identity SET store_id = 'other-store-id'`)).toThrow(/never changes/)
      expect(() => upgraded.raw.exec('DELETE FROM store_identity')).toThrow(/never changes/)
      expect(upgraded.raw.prepare('SELECT provider FROM keychain_legacy_providers').pluck().all()).toEqual(['adyen-fr'])
      expect(fresh.raw.prepare('SELECT provider FROM keychain_legacy_providers').pluck().all()).toEqual([])
      upgraded.raw.exec(`DELETE FROM providers WHERE id = 'adyen-fr'`)
      expect(upgraded.raw.prepare('SELECT count(*) FROM keychain_legacy_providers').pluck().get()).toBe(0)
    } finally {
      upgraded.close()
      fresh.close()
    }
    const reopened = openDatabase(a.file)
    try {
      expect(reopened.raw.prepare('SELECT store_id FROM store_identity').pluck().all()).toHaveLength(1)
    } finally {
      reopened.close()
    }
  })
})

describe('002: the pre-release tables nothing wrote', () => {
  it('are dropped when empty, and a file where one holds rows is refused with nothing dropped', () => {
    const {file, raw} = rawFile()
    buildLegacyAt(raw, LEGACY_MIGRATIONS.length)
    raw.exec(`INSERT INTO reconcile_runs VALUES ('r1', 'berlin', NULL, NULL, NULL, NULL, 'admin', '{}', 'x')`)
    raw.close()
    expect(() => openDatabase(file)).toThrow(/pre-release table reconcile_runs holds 1 row/)
    const after = new Database(file)
    try {
      expect(after.pragma('user_version', {simple: true})).toBe(LEGACY_MIGRATIONS.length)
      for (const table of LEFT_OUT) expect(tables(after), table).toContain(table)
    } finally {
      after.close()
    }
  })
})
