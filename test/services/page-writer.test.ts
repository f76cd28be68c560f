import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import type {ApplyScope} from '../../src/services/sync/scope.js'
import {workerWriter} from '../../src/services/sync/page-writer.js'
import {openDatabase} from '../../src/store/db.js'

// From the sources the writer thread loads page-worker.ts through tsx: the same thread as in production.
describe('the page writer thread', () => {
  const setup = async (now: () => number = Date.now) => {
    const file = join(mkdtempSync(join(tmpdir(), 'yms-writer-')), 'ledger.db')
    const db = openDatabase(file)
    db.write(() =>
      db.stmt(`INSERT INTO sync_runs (provider, owner, started_at, status) VALUES ('p1', 'me', 'x', 'running')`).run(),
    )
    const scope: ApplyScope = {
      provider: 'p1',
      kind: 'stripe',
      actor: 'test',
      source: 'pull',
      grants: [],
      latencySince: null,
      customers: new Map(),
    }
    const writer = await workerWriter(
      file,
      scope,
      {runId: 1, lease: {name: 'sync:p1', owner: 'me', ttlMs: 60_000}},
      now,
    )
    return {db, writer}
  }

  it('commits pages in order on its own connection: cursor, counts and quarantine are visible to the caller', async () => {
    const {db, writer} = await setup()
    const bad = {
      externalId: 'ch_1',
      reason: 'invalid_payload' as const,
      detail: 'amount: expected number',
      raw: {id: 'ch_1', amount: '12'},
    }
    const first = await writer.write({page: {items: [], invalid: [bad], next: {after: 'ch_1'}}, pageNo: 1, calls: []})
    const second = await writer.write({page: {items: [], invalid: [], next: {after: 'ch_2'}}, pageNo: 2, calls: []})
    await writer.close()
    expect(first).toMatchObject({fetched: 1, quarantined: 1})
    expect(second).toMatchObject({fetched: 0, quarantined: 0})
    expect(db.raw.prepare(`SELECT cursor_json FROM sync_cursors WHERE provider = 'p1'`).pluck().get()).toBe(
      '{"after":"ch_2"}',
    )
    expect(db.raw.prepare(`SELECT pages FROM sync_runs WHERE id = 1`).pluck().get()).toBe(2)
    expect(db.raw.prepare(`SELECT detail FROM quarantine`).pluck().all()).toEqual(['amount: expected number'])
    db.close()
  })

  it("writes at the caller's clock, not this machine's, as it moves (tests and the demo inject one)", async () => {
    let at = Date.parse('2025-03-04T05:06:07.000Z')
    const {db, writer} = await setup(() => at)
    const updatedAt = () =>
      db.raw.prepare(`SELECT updated_at FROM sync_cursors WHERE provider = 'p1'`).pluck().get() as string
    await writer.write({page: {items: [], invalid: [], next: {after: 'ch_1'}}, pageNo: 1, calls: []})
    expect(updatedAt().slice(0, 16)).toBe('2025-03-04T05:06')
    at += 26 * 3_600_000
    await writer.write({page: {items: [], invalid: [], next: {after: 'ch_2'}}, pageNo: 2, calls: []})
    await writer.close()
    expect(updatedAt().slice(0, 16)).toBe('2025-03-05T07:06')
    db.close()
  })

  it('a page the database refuses rejects that write with the reason, and nothing of it is committed', async () => {
    const {db, writer} = await setup()
    // A cursor that is not JSON-serializable to a value violates sync_cursors.cursor_json NOT NULL.
    await expect(
      writer.write({page: {items: [], invalid: [], next: undefined as never}, pageNo: 1, calls: []}),
    ).rejects.toThrow(/NOT NULL|cursor_json/)
    await writer.close()
    expect(db.raw.prepare(`SELECT COUNT(*) FROM audit_log WHERE action = 'sync.page'`).pluck().get()).toBe(0)
    db.close()
  })

  it('pages sent without waiting commit in order, and none after a failed one: the cursor never passes it', async () => {
    const {db, writer} = await setup()
    const page = (n: number, next: unknown) =>
      writer.write({page: {items: [], invalid: [], next: next as never}, pageNo: n, calls: []})
    // All four are in flight at once; the third is refused by the database.
    const results = await Promise.allSettled([
      page(1, {after: 'a'}),
      page(2, {after: 'b'}),
      page(3, undefined),
      page(4, {after: 'd'}),
    ])
    await writer.close()
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected'])
    expect(db.raw.prepare(`SELECT cursor_json FROM sync_cursors WHERE provider = 'p1'`).pluck().get()).toBe(
      '{"after":"b"}',
    )
    expect(
      db.raw.prepare(`SELECT subject FROM audit_log WHERE action = 'sync.page' ORDER BY seq`).pluck().all(),
    ).toEqual(['page 1', 'page 2'])
    db.close()
  })
})

describe('the in-process page writer', () => {
  it('refuses every page after a failed one, like the thread', async () => {
    const {inProcessWriter} = await import('../../src/services/sync/page-writer.js')
    const {openDatabase} = await import('../../src/store/db.js')
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'yms-writer-')), 'ledger.db'))
    db.write(() =>
      db.stmt(`INSERT INTO sync_runs (provider, owner, started_at, status) VALUES ('p1', 'me', 'x', 'running')`).run(),
    )
    const scope: ApplyScope = {
      provider: 'p1',
      kind: 'stripe',
      actor: 'test',
      source: 'pull',
      grants: [],
      latencySince: null,
      customers: new Map(),
    }
    const writer = inProcessWriter(db, scope, {runId: 1, lease: {name: 'sync:p1', owner: 'me', ttlMs: 60_000}})
    const page = (n: number, next: unknown) =>
      writer.write({page: {items: [], invalid: [], next: next as never}, pageNo: n, calls: []})
    const results = await Promise.allSettled([page(1, {after: 'a'}), page(2, undefined), page(3, {after: 'c'})])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected'])
    expect(db.raw.prepare(`SELECT cursor_json FROM sync_cursors WHERE provider = 'p1'`).pluck().get()).toBe(
      '{"after":"a"}',
    )
    db.close()
  })
})
