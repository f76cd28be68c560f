import {createHash} from 'node:crypto'

import Database from 'better-sqlite3'
import {afterEach, describe, expect, it} from 'vitest'

import {
  appendAudit,
  auditHash,
  canonicalJson,
  exportAudit,
  GENESIS_HASH,
  listAudit,
  verifyAudit,
  verifyChain,
  type AuditRecord,
} from '../../src/services/audit.js'
import {forgetSecrets, rememberSecret} from '../../src/secrets/scrub.js'
import {upsertSites} from '../../src/store/repos/sites.js'
import {tempDb, type TempDb} from '../store/helpers.js'

let t: TempDb
afterEach(() => t.cleanup())

function seed(n: number): void {
  for (let i = 1; i <= n; i += 1) {
    appendAudit(t.db, {
      actor: i % 2 === 0 ? 'alice' : 'cron',
      action: i % 3 === 0 ? 'sync.page' : 'providers.update',
      provider: i % 2 === 0 ? 'stripe-eu' : 'adyen',
      subject: `s${i}`,
      outcome: 'ok',
      details: {i, note: 'comma, "quote"\nnewline'},
    })
  }
}

/** An attacker with file access: a raw connection, with the append-only triggers dropped. */
function tamper(file: string, sql: string): void {
  const raw = new Database(file)
  raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;')
  raw.exec(sql)
  raw.close()
}

describe('appendAudit', () => {
  it('chains rows: seq from 1, prev_hash = previous hash, hash over the canonical row', () => {
    t = tempDb()
    const first = appendAudit(t.db, {
      actor: 'alice',
      action: 'sites.add',
      subject: 'berlin',
      outcome: 'ok',
      details: {b: 2, a: 1},
    })
    const second = appendAudit(t.db, {actor: 'alice', action: 'providers.test', provider: 'p1', outcome: 'error'})
    expect(first).toMatchObject({seq: 1, prevHash: GENESIS_HASH, at: '2024-05-01T10:00:00.000Z', details: {a: 1, b: 2}})
    expect(second).toMatchObject({seq: 2, prevHash: first.hash, provider: 'p1', subject: null, details: {}})
    const stored = t.db.raw.prepare('SELECT details_json FROM audit_log WHERE seq = 1').pluck().get()
    expect(stored).toBe('{"a":1,"b":2}') // canonical: keys sorted
    // the hash is SHA-256 of the fixed-order array, independently recomputed here
    const expected = createHash('sha256')
      .update(
        JSON.stringify([
          'yms-pay-audit/1',
          1,
          first.at,
          'alice',
          'sites.add',
          null,
          'berlin',
          'ok',
          '{"a":1,"b":2}',
          GENESIS_HASH,
        ]),
      )
      .digest('hex')
    expect(first.hash).toBe(expected)
    expect(verifyAudit(t.db)).toEqual({ok: true, rows: 2})
  })

  it('stores no secret this process has read: not in the details, the subject or the actor', () => {
    t = tempDb()
    rememberSecret('sk_test_readFromTheEnvironment')
    try {
      appendAudit(t.db, {
        actor: 'cron sk_test_readFromTheEnvironment',
        action: 'sync.failed',
        subject: 'p1 sk_test_readFromTheEnvironment',
        outcome: 'error',
        details: {error: 'HTTP 400: you sent Bearer sk_test_readFromTheEnvironment'},
      })
      const bytes = JSON.stringify(t.db.raw.prepare('SELECT * FROM audit_log').all())
      expect(bytes).not.toContain('sk_test_readFromTheEnvironment')
      expect(verifyAudit(t.db)).toEqual({ok: true, rows: 1})
    } finally {
      forgetSecrets()
    }
  })

  it('commits or rolls back with the change it records', () => {
    t = tempDb()
    expect(() =>
      t.db.write(() => {
        upsertSites(t.db, [{id: 'berlin', name: 'Berlin', currency: 'EUR'}])
        appendAudit(t.db, {actor: 'alice', action: 'sites.add', subject: 'berlin', outcome: 'ok'})
        throw new Error('boom after the audit row')
      }),
    ).toThrow('boom')
    expect(t.db.raw.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(0)
    expect(t.db.raw.prepare('SELECT count(*) FROM sites').pluck().get()).toBe(0)
    t.db.write(() => {
      upsertSites(t.db, [{id: 'berlin', name: 'Berlin', currency: 'EUR'}])
      appendAudit(t.db, {actor: 'alice', action: 'sites.add', subject: 'berlin', outcome: 'ok'})
    })
    expect(listAudit(t.db)).toMatchObject([{seq: 1, action: 'sites.add'}])
  })

  it('redacts secrets in details before they are stored or hashed', () => {
    t = tempDb()
    appendAudit(t.db, {
      actor: 'alice',
      action: 'providers.add',
      provider: 'p1',
      outcome: 'ok',
      details: {settings: {merchant_account: 'M1'}, api_key: 'sk_test_abc', nested: [{Authorization: 'Bearer xyz'}]},
    })
    const raw = t.db.raw.prepare('SELECT details_json FROM audit_log').pluck().get() as string
    expect(raw).not.toMatch(/sk_test_abc|xyz/)
    expect(JSON.parse(raw)).toEqual({
      api_key: '[REDACTED]',
      nested: [{Authorization: '[REDACTED]'}],
      settings: {merchant_account: 'M1'},
    })
  })
})

describe('verifyAudit', () => {
  it("names the row edited behind the triggers' back", () => {
    t = tempDb()
    seed(6)
    expect(verifyAudit(t.db)).toEqual({ok: true, rows: 6})
    tamper(t.file, `UPDATE audit_log SET details_json = '{"i":400}' WHERE seq = 4`)
    expect(verifyAudit(t.db)).toEqual({ok: false, seq: 4, rows: 3, reason: expect.stringMatching(/altered/)})
  })

  it("an edit that also recomputes the row hash breaks the next row's link", () => {
    t = tempDb()
    seed(5)
    const row = t.db.raw.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<
      string,
      string | number | null
    >
    const forged: Omit<AuditRecord, 'hash'> = {
      seq: 2,
      at: row.at as string,
      actor: 'mallory',
      action: row.action as string,
      provider: row.provider as string | null,
      subject: row.subject as string | null,
      outcome: row.outcome as string,
      detailsJson: row.details_json as string,
      prevHash: row.prev_hash as string,
    }
    tamper(t.file, `UPDATE audit_log SET actor = 'mallory', hash = '${auditHash(forged)}' WHERE seq = 2`)
    expect(verifyAudit(t.db)).toMatchObject({ok: false, seq: 3, reason: expect.stringMatching(/prev_hash/)})
  })

  it('a deleted row is named by the gap it leaves', () => {
    t = tempDb()
    seed(5)
    tamper(t.file, 'DELETE FROM audit_log WHERE seq IN (2, 3)')
    expect(verifyAudit(t.db)).toMatchObject({ok: false, seq: 4, rows: 1, reason: 'seq 2..3 missing before this row'})
  })

  it('an empty log verifies', () => {
    t = tempDb()
    expect(verifyAudit(t.db)).toEqual({ok: true, rows: 0})
  })
})

describe('listAudit', () => {
  it('filters by since, action (exact or prefix*), provider, actor; limit keeps the most recent, oldest first', () => {
    t = tempDb()
    seed(9) // at = 10:00:00, 10:00:01, ...
    expect(listAudit(t.db, {actor: 'alice'}).map((r) => r.seq)).toEqual([2, 4, 6, 8])
    expect(listAudit(t.db, {action: 'sync.page'}).map((r) => r.seq)).toEqual([3, 6, 9])
    expect(listAudit(t.db, {action: 'providers.*', provider: 'stripe-eu'}).map((r) => r.seq)).toEqual([2, 4, 8])
    expect(listAudit(t.db, {since: '2024-05-01T10:00:06.000Z'}).map((r) => r.seq)).toEqual([7, 8, 9])
    expect(listAudit(t.db, {limit: 2}).map((r) => r.seq)).toEqual([8, 9])
    expect(listAudit(t.db, {action: 'providers'})).toEqual([])
    expect(() => listAudit(t.db, {limit: -1})).toThrow(/--limit/)
  })
})

describe('exportAudit', () => {
  it('jsonl: one object per row, from which the chain re-verifies', () => {
    t = tempDb()
    seed(4)
    const chunks: string[] = []
    expect(exportAudit(t.db, 'jsonl', (c) => chunks.push(c))).toBe(4)
    expect(chunks).toHaveLength(4)
    const rows = chunks.map((c) => JSON.parse(c) as {details: unknown} & Omit<AuditRecord, 'detailsJson'>)
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4])
    const records = rows.map(({details, ...rest}) => ({...rest, detailsJson: canonicalJson(details)}))
    expect(verifyChain(records)).toEqual({ok: true, rows: 4})
    records[1]!.actor = 'mallory'
    expect(verifyChain(records)).toMatchObject({ok: false, seq: 2})
  })

  it('csv: header plus RFC 4180 quoted rows that parse back to the stored values', async () => {
    t = tempDb()
    seed(3)
    let csv = ''
    exportAudit(t.db, 'csv', (c) => (csv += c))
    const {parse} = await import('csv-parse/sync')
    const [header, ...rows] = parse(csv) as string[][]
    expect(header).toEqual([
      'seq',
      'at',
      'actor',
      'action',
      'provider',
      'subject',
      'outcome',
      'details',
      'prev_hash',
      'hash',
    ])
    const stored = t.db.raw.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, unknown>>
    expect(rows).toEqual(
      stored.map((r) => [
        String(r.seq),
        r.at,
        r.actor,
        r.action,
        r.provider,
        r.subject,
        r.outcome,
        r.details_json,
        r.prev_hash,
        r.hash,
      ]),
    )
  })
})
