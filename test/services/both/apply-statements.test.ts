import pg from 'pg'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {serializeItems} from '../../../src/services/sync/apply.js'
import {commitPage, type PageCommit} from '../../../src/services/sync/commit-page.js'
import type {ApplyScope} from '../../../src/services/sync/scope.js'
import {storeHandle} from '../../../src/store/ops/ledger-handle.js'
import {all, type Ops, value} from '../../../src/store/ops/op.js'
import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {pgStore} from '../../../src/store/seam/pg-store.js'
import type {Store} from '../../../src/store/seam/store.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {addGrant, listGrants} from '../../../src/store/repos/grants.js'
import {listDeclineCodes} from '../../../src/store/repos/decline-codes.js'
import {customerBalances} from '../../../src/store/repos/ledger.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {startRun} from '../../../src/store/repos/sync-state.js'
import {testPostgres} from '../../helpers/postgres.js'
import {txn as baseTxn} from '../report-helpers.js'

const postgres = await testPostgres()

/**
 * A sync page on PostgreSQL reaches the server in a few statements, however many objects it holds (docs/postgres.md,
 * "A page in a few statements"): its reads are asked for the page at once, its new rows held and sent as multi-row
 * inserts, sent with the next statement that answers something (seam/pg-store.ts). Counted as the messages the
 * driver sends: as many for a page of 200 objects as for one of 10, and each page's ledger what its objects say.
 */
const T0 = '2026-03-01T10:00:00.000Z'
const CUSTOMERS = 20

/** A payment of 1,000 with its fee (report-helpers' txn, which names no fee). */
const txn = (externalId: string, over: Partial<NormalizedTxn> = {}): NormalizedTxn =>
  baseTxn(externalId, {fee: {minor: 30, currency: 'EUR'}, net: {minor: 970, currency: 'EUR'}, ...over})

/** n payments over the customers, every fifth failed with one of two codes; then a refund of each payment. */
function pages(n: number): PageCommit[] {
  const payments = Array.from({length: n}, (_, i) =>
    i % 5 === 4
      ? txn(`ch_${i}`, {
          customerRef: `cus_${i % CUSTOMERS}`,
          status: 'failed',
          fee: null,
          net: null,
          failure: {code: i % 2 === 0 ? 'do_not_honor' : 'lost_card', message: 'declined', decision: 'terminal'},
        })
      : txn(`ch_${i}`, {customerRef: `cus_${i % CUSTOMERS}`}),
  )
  const refunds = payments
    .filter((p) => p.status === 'succeeded')
    .map((p) =>
      txn(`re_${p.externalId}`, {
        type: 'refund',
        parentExternalId: p.externalId,
        amount: {minor: 400, currency: 'EUR'},
        fee: null,
        net: null,
        customerRef: null,
      }),
    )
  return [payments, refunds].map((txns, i) => ({
    page: {items: serializeItems(txns.map((t) => ({txn: t, raw: {id: t.externalId}}))), invalid: [], next: {page: i}},
    pageNo: i + 1,
    calls: [],
  }))
}

function* seed(): Ops<number> {
  yield* upsertSites.ops([{id: 'berlin', name: 'Berlin', currency: 'EUR'}])
  yield* upsertCustomers.ops(
    Array.from({length: CUSTOMERS}, (_, i) => ({
      id: `c${i}`,
      site: 'berlin',
      segment: 'retail',
      refs: {stripe: `cus_${i}`},
    })),
  )
  yield* insertProvider.ops({id: 'acme', kind: 'stripe', sites: ['berlin']})
  yield* addGrant.ops({provider: 'acme', segment: 'retail', site: '*', access: 'write'})
  return yield* startRun.ops('acme', 'host-1')
}

/**
 * Messages the driver sends the server (each a round trip): pg's query() as the seam calls it, one per statement
 * sent alone, one per batch of statements that waited (seam/pg-store.ts).
 */
let messages = 0
/** The advisory locks asked for, message by message: a page asks for the audit chain's once, however many take it. */
let locks = 0
const query = pg.Client.prototype.query
beforeAll(() => {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    messages++
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as {text?: string}).text
    locks += text?.match(/pg_advisory_xact_lock/g)?.length ?? 0
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof query
})
afterAll(() => {
  pg.Client.prototype.query = query
})

const stores: Store[] = []
afterEach(async () => {
  while (stores.length > 0) await stores.pop()!.close()
})

/** Statements per page for n payments and their refunds (and a last page if given), and what the ledger then holds. */
async function syncPages(n: number, last?: NormalizedTxn[]) {
  const database = await postgres.freshDatabase()
  const client = await database.connect()
  await runPgMigrations(client, PG_MIGRATIONS, database.name)
  const store = pgStore(database.connection)
  stores.push(store)
  const handle = storeHandle(store, () => Date.parse(T0))
  const runId = await handle.write(seed())
  const scope: ApplyScope = {
    provider: 'acme',
    kind: 'stripe',
    actor: 'test',
    source: 'pull',
    grants: await handle.read(listGrants.ops('acme')),
    latencySince: null,
    customers: new Map(),
  }
  const perPage: number[] = []
  const locksPerPage: number[] = []
  const counts = []
  const all3 = pages(n)
  if (last)
    all3.push({
      page: {items: serializeItems(last.map((t) => ({txn: t, raw: {id: t.externalId}}))), invalid: [], next: {page: 2}},
      pageNo: 3,
      calls: [],
    })
  for (const page of all3) {
    const before = messages
    const locksBefore = locks
    counts.push(
      await handle.write(
        commitPage.ops(scope, {runId, lease: {name: 'sync:acme', owner: 'host-1', ttlMs: 60_000}}, page),
      ),
    )
    perPage.push(messages - before)
    locksPerPage.push(locks - locksBefore)
  }
  const ledger = await handle.read(
    (function* () {
      return {
        transactions: yield* value<number>('SELECT count(*) FROM transactions'),
        states: yield* value<number>('SELECT count(*) FROM transaction_states'),
        unbalanced: yield* all(
          'SELECT txn_seq, version FROM ledger_postings GROUP BY txn_seq, version, currency HAVING sum(amount_minor) <> 0',
        ),
        c0: yield* customerBalances.ops('c0'),
        codes: (yield* listDeclineCodes.ops()).map((c) => [c.code, c.seenCount]),
      }
    })(),
  )
  return {perPage, locksPerPage, counts, ledger}
}

describe.skipIf(postgres.skip !== undefined)('a sync page on PostgreSQL', () => {
  it('reaches the server in as many statements for 200 objects as for 10, and posts every one', async () => {
    const small = await syncPages(10)
    const large = await syncPages(200)

    expect(large.perPage).toEqual(small.perPage)
    // A handful of messages per page: its reads, one each, and what needs no answer (inserts, the cursor, run counts,
    // savepoints, the audit chain's lock) sent with them (15 and 10 here; 35 and 24 when each statement went alone).
    for (const n of large.perPage) expect(n).toBeLessThan(20)
    expect(large.locksPerPage).toEqual([1, 1])

    expect(large.counts[0]).toMatchObject({fetched: 200, inserted: 200, quarantined: 0})
    expect(large.counts[1]).toMatchObject({fetched: 160, inserted: 160, quarantined: 0})
    expect(large.ledger.transactions).toBe(360)
    expect(large.ledger.states).toBe(360)
    expect(large.ledger.unbalanced).toEqual([])
    // c0 has payments 0, 20, 40, … (10 of the 200; none of them failed: every failed one is i % 5 == 4), each 1,000
    // less a 400 refund.
    expect(large.ledger.c0).toEqual([{minor: -10 * 600, currency: 'EUR'}])
    // Two codes, each counted once per failed payment (40 failures: i % 5 == 4, half of each parity).
    expect(Object.fromEntries(large.ledger.codes)).toEqual({do_not_honor: 20, lost_card: 20})
  })

  it('commits a page that begins with a new state of a stored transaction and goes on with new ones', async () => {
    // The update's state row is held before any new transaction's row; the states name the new rows' seqs, so those
    // must reach the server first (found under SIGKILLs by test/e2e/sync-postgres: a foreign key violation).
    const {counts, ledger} = await syncPages(10, [
      // A new state that moves no money (its invoice named later): nothing to post, so nothing sent meanwhile.
      txn('ch_0', {customerRef: 'cus_0', updatedAt: '2026-03-01T11:00:00.000Z', invoiceRef: 'inv-0'}),
      txn('ch_new_1', {customerRef: 'cus_1'}),
      txn('ch_new_2', {customerRef: 'cus_2'}),
    ])

    expect(counts[2]).toMatchObject({fetched: 3, updated: 1, inserted: 2, quarantined: 0})
    expect(ledger.transactions).toBe(10 + 8 + 2)
    expect(ledger.states).toBe(10 + 8 + 3)
    expect(ledger.unbalanced).toEqual([])
  })
})
