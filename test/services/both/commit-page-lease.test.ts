import {afterEach, describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {verifyAudit} from '../../../src/services/audit.js'
import {serializeItems} from '../../../src/services/sync/apply.js'
import {commitPage, type PageCommit, type RunRef} from '../../../src/services/sync/commit-page.js'
import {handleWriter} from '../../../src/services/sync/page-writer.js'
import type {ApplyScope} from '../../../src/services/sync/scope.js'
import type {LedgerHandle} from '../../../src/store/ops/ledger-handle.js'
import {all, type Ops} from '../../../src/store/ops/op.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {addGrant, listGrants} from '../../../src/store/repos/grants.js'
import {acquireLease, getLease, LeaseHeldError, releaseLease} from '../../../src/store/repos/leases.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {startRun} from '../../../src/store/repos/sync-state.js'
import {testPostgres} from '../../helpers/postgres.js'
import {txn} from '../report-helpers.js'
import {type HandleUnderTest, handleEngines} from '../../store/ops/engines.js'

const postgres = await testPostgres()

/**
 * A sync page commits only while its run holds the provider's lease. A host that stalls past the lease's TTL (a long
 * GC pause, a suspended VM) may find another host has taken the lease over and resumed from the last cursor: its
 * page must then write nothing, or it would post behind the other host's back and move the cursor under it.
 */
const T0 = Date.parse('2026-03-01T10:00:00.000Z')
const TTL = 60_000
const LEASE = 'sync:acme'

const scope = (): ApplyScope => ({
  provider: 'acme',
  kind: 'stripe',
  actor: 'sync-test',
  source: 'pull',
  grants: [],
  latencySince: null,
  customers: new Map(),
})

function page(pageNo: number, externalId: string): PageCommit {
  return {
    page: {
      items: serializeItems([
        {txn: txn(externalId, {amount: {minor: 10_000, currency: 'EUR'}}), raw: {id: externalId}},
      ]),
      invalid: [],
      next: {after: externalId},
    },
    pageNo,
    calls: [],
  }
}

function* seed(): Ops<number> {
  yield* upsertSites.ops([{id: 'berlin', name: 'Berlin', currency: 'EUR'}])
  yield* upsertCustomers.ops([{id: 'c1', site: 'berlin', segment: 'retail', refs: {stripe: 'cus_1'}}])
  yield* insertProvider.ops({id: 'acme', kind: 'stripe', sites: ['berlin']})
  yield* addGrant.ops({provider: 'acme', segment: 'retail', site: '*', access: 'write'})
  return yield* startRun.ops('acme', 'host-1')
}

/** What a page writes, by table. */
function* written() {
  return {
    transactions: yield* all<{id: string}>('SELECT id FROM transactions ORDER BY id'),
    postings: (yield* all('SELECT txn_seq FROM ledger_postings')).length,
    cursors: yield* all<{cursor_json: string}>('SELECT cursor_json FROM sync_cursors'),
    pages: yield* all<{pages: number}>('SELECT pages FROM sync_runs'),
    audit: yield* all<{subject: string}>(`SELECT subject FROM audit_log WHERE action = 'sync.page' ORDER BY seq`),
  }
}

const opened: HandleUnderTest[] = []
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close()
})

/** A seeded ledger whose run holds the provider's lease as host-1, with the scope and run its pages commit under. */
async function leased(open: (clock: () => number) => Promise<HandleUnderTest>, clock: () => number) {
  const h = await open(clock)
  opened.push(h)
  const runId = await h.handle.write(seed())
  const s = {...scope(), grants: await h.handle.read(listGrants.ops('acme'))}
  const run: RunRef = {runId, lease: {name: LEASE, owner: 'host-1', ttlMs: TTL}}
  expect(await h.handle.write(acquireLease.ops(LEASE, 'host-1', TTL))).toMatchObject({acquired: true})
  return {h, s, run}
}

describe.each(handleEngines(postgres))('a sync page and its run’s lease on $engine', ({skip, open}) => {
  it.skipIf(skip !== undefined)(
    'commits and renews while the lease holds; once another host took it over, writes nothing and fails with exit 75',
    async () => {
      let clockMs = T0
      const {h, s, run} = await leased(open, () => clockMs)

      clockMs += TTL / 2
      await h.handle.write(commitPage.ops(s, run, page(1, 'ch_1')))
      expect(await h.handle.read(getLease.ops(LEASE))).toMatchObject({
        owner: 'host-1',
        expiresAt: new Date(clockMs + TTL).toISOString(),
      })
      const before = await h.handle.read(written())
      expect(before.transactions).toEqual([{id: 'acme:ch_1'}])

      // host-1 stalls past its lease; another host takes it over.
      clockMs += 2 * TTL
      expect(await h.another().write(acquireLease.ops(LEASE, 'host-2', TTL))).toMatchObject({acquired: true})

      const refused = await h.handle.write(commitPage.ops(s, run, page(2, 'ch_2'))).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(LeaseHeldError)
      expect(refused).toMatchObject({exitCode: 75, code: 'lease_held', lease: {owner: 'host-2'}})
      expect(await h.handle.read(written())).toEqual(before)
      expect(await h.handle.read(getLease.ops(LEASE))).toMatchObject({owner: 'host-2'})
    },
  )

  it.skipIf(skip !== undefined)(
    'refuses a page once the lease lapsed and another host held it, even if this host could take it again',
    async () => {
      let clockMs = T0
      const h = await open(() => clockMs)
      opened.push(h)
      const runId = await h.handle.write(seed())
      const s = {...scope(), grants: await h.handle.read(listGrants.ops('acme'))}
      const taken = await h.handle.write(acquireLease.ops(LEASE, 'host-1', TTL))
      const run: RunRef = {runId, lease: {name: LEASE, owner: 'host-1', ttlMs: TTL, heldSince: taken.lease.acquiredAt}}
      await h.handle.write(commitPage.ops(s, run, page(1, 'ch_1')))
      const before = await h.handle.read(written())

      // host-1 stalls; host-2 takes the lease over, does its work and lets go: the lease is free again.
      clockMs += 2 * TTL
      const other = h.another()
      expect(await other.write(acquireLease.ops(LEASE, 'host-2', TTL))).toMatchObject({acquired: true})
      await other.write(releaseLease.ops(LEASE, 'host-2'))

      const refused = await h.handle.write(commitPage.ops(s, run, page(2, 'ch_2'))).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(LeaseHeldError)
      expect(refused).toMatchObject({exitCode: 75, code: 'lease_held'})
      expect(await h.handle.read(written())).toEqual(before)
    },
  )
})

/** A page of one item, as `page` makes, with the item made by `over`. */
function pageOf(pageNo: number, externalId: string, over: Partial<NormalizedTxn>): PageCommit {
  const p = page(pageNo, externalId)
  return {...p, page: {...p.page, items: serializeItems([{txn: txn(externalId, over), raw: {id: externalId}}])}}
}

describe.each(handleEngines(postgres))(
  'pages handed to the handle’s writer without waiting, on $engine',
  ({skip, open}) => {
    async function setUp() {
      const {h, s, run} = await leased(open, () => T0)
      // Each write through the handle is one transaction: counted.
      const commits: number[] = []
      const counting: LedgerHandle = {...h.handle, write: (body) => (commits.push(1), h.handle.write(body))}
      return {h, writer: handleWriter(counting, s, run), commits}
    }

    it.skipIf(skip !== undefined)(
      'commit in order, those that queued up behind a commit in one, each page with its own counts and audit row',
      async () => {
        const {h, writer, commits} = await setUp()
        // Page 2 refunds the payment page 3 brings: committed together, the payment goes first and nothing waits.
        const refund = {type: 'refund', parentExternalId: 'ch_3', amount: {minor: 2_500, currency: 'EUR'}} as const
        const pages = [page(1, 'ch_1'), pageOf(2, 're_2', refund), page(3, 'ch_3'), page(4, 'ch_4')]
        const counts = await Promise.all(pages.map((p) => writer.write(p)))
        await writer.close()
        // Page 1 found the writer idle and went alone; 2 to 4 queued behind it and went in one.
        expect(commits).toHaveLength(2)
        expect(counts.map((c) => [c.fetched, c.inserted, c.quarantined, c.posted > 0])).toEqual([
          [1, 1, 0, true],
          [1, 1, 0, true],
          [1, 1, 0, true],
          [1, 1, 0, true],
        ])
        const w = await h.handle.read(written())
        expect(w.transactions.map((t) => t.id)).toEqual(['acme:ch_1', 'acme:ch_3', 'acme:ch_4', 'acme:re_2'])
        expect(w.audit.map((a) => a.subject)).toEqual(['page 1', 'page 2', 'page 3', 'page 4'])
        expect(w.pages).toEqual([{pages: 4}])
        expect(JSON.parse(w.cursors[0]!.cursor_json)).toEqual({after: 'ch_4'})
        expect(await h.handle.read(verifyAudit.ops())).toMatchObject({ok: true})
      },
    )

    it.skipIf(skip !== undefined)(
      'a commit that fails refuses all its pages and every later one: the cursor stays after the last page committed',
      async () => {
        const {h, writer, commits} = await setUp()
        // A payment of a negative amount: the transactions table refuses it, and with it its commit.
        const pages = [page(1, 'ch_1'), page(2, 'ch_2'), pageOf(3, 'ch_3', {amount: {minor: -1, currency: 'EUR'}})]
        const settled = await Promise.allSettled(pages.map((p) => writer.write(p)))
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected'])
        await expect(writer.write(page(4, 'ch_4'))).rejects.toBe((settled[1] as PromiseRejectedResult).reason)
        await writer.close()
        expect(commits).toHaveLength(2)
        const w = await h.handle.read(written())
        expect(w.transactions.map((t) => t.id)).toEqual(['acme:ch_1'])
        expect(w.audit.map((a) => a.subject)).toEqual(['page 1'])
        expect(JSON.parse(w.cursors[0]!.cursor_json)).toEqual({after: 'ch_1'})
      },
    )
  },
)
