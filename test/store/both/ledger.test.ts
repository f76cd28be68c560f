import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/errors.js'
import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {type Ops, run, values} from '../../../src/store/ops/op.js'
import {applyBatch, RowRejected} from '../../../src/store/repos/batch.js'
import {allCustomerBalances} from '../../../src/store/repos/customer-balances.js'
import {
  findCustomerByRef,
  getCustomer,
  listCustomers,
  ownerByRef,
  ownersByRefs,
  segmentOf,
  upsertCustomers,
} from '../../../src/store/repos/customers.js'
import {
  customerBalances,
  insertPostings,
  postedPositions,
  postingKeyOf,
  postingsFor,
  siteBalances,
} from '../../../src/store/repos/ledger.js'
import {lastSyncOf, purgeProviderHistory} from '../../../src/store/repos/purge.js'
import {getSite, listSites, upsertSite, upsertSites} from '../../../src/store/repos/sites.js'
import {legacyKeychainProviders, storeId} from '../../../src/store/repos/store-identity.js'
import {
  queryTransactions,
  transactionDocuments,
  transactionStates,
} from '../../../src/store/repos/transaction-queries.js'
import {
  getTxnState,
  storedParent,
  storedTransactions,
  type TxnWrite,
  writeTxnVersion,
} from '../../../src/store/repos/transactions.js'
import {testPostgres} from '../../helpers/postgres.js'
import {type HandleUnderTest, handleEngines} from '../ops/engines.js'

const postgres = await testPostgres()

const T = '2024-05-01T00:00:00.000Z'
const BIG = Number.MAX_SAFE_INTEGER

function txn(externalId: string, over: Partial<NormalizedTxn> = {}): NormalizedTxn {
  return {
    id: `p1:${externalId}`,
    provider: 'p1',
    kind: 'stripe',
    externalId,
    parentExternalId: null,
    type: 'payment',
    status: 'succeeded',
    amount: {minor: 1000, currency: 'EUR'},
    fee: null,
    net: null,
    customerRef: 'cus_1',
    invoiceRef: null,
    siteRef: null,
    failure: null,
    occurredAt: '2024-04-01T10:00:00.000Z',
    updatedAt: '2024-04-01T10:00:00.000Z',
    metadata: {},
    ...over,
    ...(over.provider !== undefined ? {id: `${over.provider}:${externalId}`} : {}),
  }
}

function written(t: NormalizedTxn, over: Partial<TxnWrite> = {}): TxnWrite {
  return {
    txn: t,
    rawJson: JSON.stringify({id: t.externalId}),
    rawSha256: 'a'.repeat(64),
    version: 1,
    customerId: 'c1',
    siteId: 'berlin',
    source: 'pull',
    now: T,
    ...over,
  }
}

/** Two sites and two customers, through the repositories' own imports. */
function* seedReference(): Ops<void> {
  yield* upsertSites.ops([
    {id: 'berlin', name: 'Berlin', currency: 'EUR', country: 'DE', timezone: 'Europe/Berlin'},
    {id: 'zürich', name: 'Zürich 🏔', currency: 'CHF'},
  ])
  yield* upsertCustomers.ops([
    {id: 'c1', site: 'berlin', segment: 'gold', name: 'Ada', refs: {p1: 'cus_1', stripe: 'cus_kind'}},
    {id: 'c2', site: 'zürich', name: 'Zoë ✓', email: 'zoe@example.test', refs: {stripe: 'cus_1'}},
  ])
}

describe.each(handleEngines(postgres))('ledger repositories on $engine', ({engine, skip, open}) => {
  let ledger: HandleUnderTest
  const write = <T>(ops: Ops<T>) => ledger.handle.write(ops)
  const read = <T>(ops: Ops<T>) => ledger.handle.read(ops)
  beforeEach(async () => {
    if (skip === undefined) ledger = await open()
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })

  describe.skipIf(skip !== undefined)('', () => {
    it('imports sites row by row: a refused row is rolled back alone, the others land, a re-import is unchanged', async () => {
      const first = await write(
        upsertSites.ops([
          {id: 'é', name: 'accent', currency: 'EUR'},
          {id: 'B', name: 'upper', currency: 'USD'},
          {id: 'bad', name: 'lower-case currency', currency: 'eur'}, // CHECK refuses it (SQLite and PostgreSQL)
          {id: 'a', name: 'Zürich 🏔', currency: 'CHF', country: 'CH', timezone: 'Europe/Zurich'},
        ]),
      )
      expect(first.outcomes.map((o) => (typeof o === 'string' ? o : 'rejected'))).toEqual([
        'inserted',
        'inserted',
        'rejected',
        'inserted',
      ])
      expect(first).toMatchObject({inserted: 3, updated: 0, unchanged: 0, rejected: [{index: 2}]})
      expect(first.rejected[0]!.error).toMatch(/constraint/i)
      // Byte order, as SQLite compares text: upper case, then lower case, then beyond ASCII.
      expect((await read(listSites.ops())).map((s) => s.id)).toEqual(['B', 'a', 'é'])
      expect(await read(getSite.ops('a'))).toMatchObject({
        id: 'a',
        name: 'Zürich 🏔',
        currency: 'CHF',
        country: 'CH',
        timezone: 'Europe/Zurich',
      })
      expect(await read(getSite.ops('bad'))).toBeNull()

      const again = await write(
        upsertSites.ops([
          {id: 'a', name: 'Zürich 🏔', currency: 'CHF', country: 'CH', timezone: 'Europe/Zurich'},
          {id: 'B', name: 'renamed', currency: 'USD', country: null},
        ]),
      )
      expect(again.outcomes).toEqual(['unchanged', 'updated'])
      expect((await read(getSite.ops('B')))!.name).toBe('renamed')
      expect(await write(upsertSites.ops([]))).toEqual({
        outcomes: [],
        inserted: 0,
        updated: 0,
        unchanged: 0,
        rejected: [],
      })
    })

    it('upsertSite throws what a batch reports; a booked site keeps its currency', async () => {
      expect(await write(upsertSite.ops({id: 'berlin', name: 'Berlin', currency: 'EUR'}))).toBe('inserted')
      await expect(write(upsertSite.ops({id: 'x', name: 'X', currency: 'euro'}))).rejects.toThrow(UsageError)
      // Not booked yet: the currency may change.
      expect(await write(upsertSite.ops({id: 'berlin', name: 'Berlin', currency: 'USD'}))).toBe('updated')
      await write(
        insertPostings.ops({document: 'invoice:1'}, 1, [{account: 'revenue:berlin', minor: 5, currency: 'USD'}], {
          provider: null,
          site: 'berlin',
          customer: null,
        }),
      )
      await expect(write(upsertSite.ops({id: 'berlin', name: 'Berlin', currency: 'EUR'}))).rejects.toThrow(
        /ledger postings in its base currency USD/,
      )
      expect((await read(getSite.ops('berlin')))!.currency).toBe('USD')
    })

    it("applyBatch.ops: each engine's constraint errors and trigger refusals reject a row; anything else rolls back all", async () => {
      await write(seedReference())
      const insertSite = (id: string) =>
        run('INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
          id,
          id,
          'EUR',
          T,
          T,
        ])
      const result = await write(
        applyBatch.ops(['s1', 'berlin', 's2', 'refuse', 'trigger'], function* (id) {
          if (id === 'refuse') throw new RowRejected('refused by the caller')
          if (id === 'trigger') {
            // A row's earlier statement is undone with it.
            yield* insertSite('s3')
            yield* run('UPDATE store_identity SET store_id = ? WHERE id = 1', ['abcdefgh-changed'])
          }
          yield* insertSite(id) // 'berlin': the primary key is taken
          return 'inserted'
        }),
      )
      expect(result.outcomes).toEqual([
        'inserted',
        {rejected: expect.stringMatching(/unique|duplicate/i) as unknown},
        'inserted',
        {rejected: 'refused by the caller'},
        {rejected: expect.stringMatching(/store id never changes/) as unknown},
      ])
      expect(result.rejected.map((r) => r.index)).toEqual([1, 3, 4])
      expect(await read(values<string>('SELECT id FROM sites ORDER BY id'))).toEqual(['berlin', 's1', 's2', 'zürich'])

      await expect(
        write(
          applyBatch.ops(['s4', 's5'], function* (id) {
            yield* insertSite(id)
            if (id === 's5') throw new Error('not a refusal')
            return 'inserted'
          }),
        ),
      ).rejects.toThrow('not a refusal')
      expect(await read(values<string>('SELECT id FROM sites ORDER BY id'))).toEqual(['berlin', 's1', 's2', 'zürich'])
    })

    it('imports customers with their refs; refuses unknown sites, taken refs and bad segments, row by row', async () => {
      await write(seedReference())
      const result = await write(
        upsertCustomers.ops([
          {id: 'c3', site: 'nowhere'},
          {id: 'c4', site: 'berlin', refs: {p1: 'cus_1'}},
          {id: 'c5', site: 'berlin', segment: '*'},
          {id: 'c1', site: 'berlin', segment: 'gold', name: 'Ada', refs: {p1: 'cus_1', stripe: ''}},
          {id: 'c1', site: 'berlin', segment: 'gold', name: 'Ada L.', refs: {adyen: 'ady_1'}},
          {id: 'c6', site: 'berlin'},
        ]),
      )
      expect(result.outcomes).toEqual([
        {rejected: 'unknown site "nowhere"'},
        {rejected: 'ref.p1 "cus_1" already belongs to customer "c1"'},
        {rejected: expect.stringMatching(/constraint/i) as unknown},
        'unchanged',
        'updated',
        'inserted',
      ])
      expect(await read(getCustomer.ops('c1'))).toMatchObject({
        id: 'c1',
        site: 'berlin',
        segment: 'gold',
        name: 'Ada L.',
        email: null,
        refs: {adyen: 'ady_1', p1: 'cus_1', stripe: 'cus_kind'},
      })
      expect(await read(getCustomer.ops('c6'))).toMatchObject({segment: null, name: null, refs: {}})
      expect(await read(getCustomer.ops('c3'))).toBeNull()
      expect(await read(getCustomer.ops('c5'))).toBeNull()
    })

    it('a customer with money booked stays at its site', async () => {
      await write(seedReference())
      await write(
        insertPostings.ops({document: 'invoice:1'}, 1, [{account: 'customer:c1', minor: 5, currency: 'EUR'}], {
          provider: null,
          site: 'berlin',
          customer: 'c1',
        }),
      )
      const moved = await write(upsertCustomers.ops([{id: 'c1', site: 'zürich', segment: 'gold', name: 'Ada'}]))
      expect(moved.outcomes).toEqual([
        {
          rejected:
            'customer "c1" has ledger postings at site "berlin"; moving it to "zürich" would split its balance across sites',
        },
      ])
      expect(await write(upsertCustomers.ops([{id: 'c2', site: 'berlin'}]))).toMatchObject({updated: 1})
    })

    it('lists customers by site and segment, in id order, with or without a limit', async () => {
      await write(seedReference())
      await write(
        upsertCustomers.ops([
          {id: 'C0', site: 'berlin', segment: 'gold'},
          {id: 'é', site: 'berlin'},
        ]),
      )
      const ids = async (filter: Parameters<typeof listCustomers.ops>[0]) =>
        (await read(listCustomers.ops(filter))).map((c) => c.id)
      expect(await ids({})).toEqual(['C0', 'c1', 'c2', 'é'])
      expect(await ids(undefined)).toEqual(['C0', 'c1', 'c2', 'é'])
      expect(await ids({site: 'berlin'})).toEqual(['C0', 'c1', 'é'])
      expect(await ids({segment: 'gold'})).toEqual(['C0', 'c1'])
      expect(await ids({site: 'berlin', segment: 'gold', limit: 1})).toEqual(['C0'])
      expect(await ids({limit: 0})).toEqual([])
      expect(await ids({site: 'nowhere'})).toEqual([])
      const listed = await read(listCustomers.ops({site: 'zürich'}))
      expect(listed).toEqual([
        {
          id: 'c2',
          site: 'zürich',
          segment: null,
          name: 'Zoë ✓',
          email: 'zoe@example.test',
          refs: {stripe: 'cus_1'},
          createdAt: expect.any(String) as unknown,
          updatedAt: expect.any(String) as unknown,
        },
      ])
    })

    it("finds owners by ref: the provider's own ref wins over the gateway kind's, one by one and in bulk", async () => {
      await write(seedReference())
      expect(await read(findCustomerByRef.ops('stripe', 'cus_1'))).toMatchObject({id: 'c2', refs: {stripe: 'cus_1'}})
      expect(await read(findCustomerByRef.ops('stripe', 'nope'))).toBeNull()
      // cus_1 is c1's under p1 and c2's under the kind stripe: p1 wins.
      expect(await read(ownerByRef.ops('cus_1', 'p1', 'stripe'))).toEqual({
        customerId: 'c1',
        siteId: 'berlin',
        segment: 'gold',
      })
      expect(await read(ownerByRef.ops('cus_1', 'p2', 'stripe'))).toEqual({
        customerId: 'c2',
        siteId: 'zürich',
        segment: '',
      })
      expect(await read(ownerByRef.ops('cus_kind', 'p1', 'stripe'))).toMatchObject({customerId: 'c1'})
      expect(await read(ownerByRef.ops('cus_1', 'p2', 'adyen'))).toBeNull()

      const owners = await read(ownersByRefs.ops(['cus_1', 'cus_kind', 'ünknown ✓', 'cus_1'], 'p1', 'stripe'))
      expect(Object.fromEntries(owners)).toEqual({
        cus_1: {customerId: 'c1', siteId: 'berlin', segment: 'gold'},
        cus_kind: {customerId: 'c1', siteId: 'berlin', segment: 'gold'},
        'ünknown ✓': null,
      })
      expect((await read(ownersByRefs.ops(['cus_1'], 'p2', 'stripe'))).get('cus_1')).toMatchObject({customerId: 'c2'})
      expect((await read(ownersByRefs.ops([], 'p1', 'stripe'))).size).toBe(0)
      expect(await read(segmentOf.ops('c1'))).toBe('gold')
      expect(await read(segmentOf.ops('c2'))).toBe('')
      expect(await read(segmentOf.ops('nobody'))).toBe('')
    })

    it('writes transaction versions and reads them back exactly: nulls, unicode, amounts up to 2^53-1', async () => {
      await write(seedReference())
      const first = txn('ch_1', {
        amount: {minor: BIG, currency: 'JPY'},
        fee: {minor: BIG - 1, currency: 'JPY'},
        metadata: {note: 'Grüße 🎉', z: '', a: '1'},
      })
      const seq1 = await write(writeTxnVersion.ops(written(first), null))
      const merchant = txn('fee_1', {type: 'fee', amount: {minor: -BIG, currency: 'EUR'}, customerRef: null})
      const seq2 = await write(writeTxnVersion.ops(written(merchant, {customerId: null, siteId: null}), null))
      expect(typeof seq1).toBe('number')
      expect(seq2).toBeGreaterThan(seq1)

      const state = await read(getTxnState.ops('p1:ch_1'))
      expect(state).toEqual({seq: seq1, version: 1, customerId: 'c1', siteId: 'berlin', txn: first})
      expect(await read(getTxnState.ops('p1:fee_1'))).toMatchObject({customerId: null, siteId: null, txn: merchant})
      expect(await read(getTxnState.ops('p1:none'))).toBeNull()

      const failed = txn('ch_1', {
        status: 'failed',
        amount: {minor: BIG, currency: 'JPY'},
        failure: {code: 'card_declined', message: 'Déclinée', decision: 'retry'},
        updatedAt: '2024-04-02T10:00:00.000Z',
      })
      const again = await write(
        writeTxnVersion.ops(written(failed, {version: 2, source: 'webhook', rawSha256: 'b'.repeat(64)}), seq1),
      )
      expect(again).toBe(seq1)
      expect(await read(getTxnState.ops('p1:ch_1'))).toEqual({
        seq: seq1,
        version: 2,
        customerId: 'c1',
        siteId: 'berlin',
        txn: failed,
      })
      expect(await read(transactionStates.ops('p1:ch_1'))).toEqual([
        {
          version: 1,
          status: 'succeeded',
          amount: {minor: BIG, currency: 'JPY'},
          fee: {minor: BIG - 1, currency: 'JPY'},
          gatewayUpdatedAt: '2024-04-01T10:00:00.000Z',
          source: 'pull',
          rawSha256: 'a'.repeat(64),
          recordedAt: T,
        },
        {
          version: 2,
          status: 'failed',
          amount: {minor: BIG, currency: 'JPY'},
          fee: null,
          gatewayUpdatedAt: '2024-04-02T10:00:00.000Z',
          source: 'webhook',
          rawSha256: 'b'.repeat(64),
          recordedAt: T,
        },
      ])
      expect(await read(transactionStates.ops('p1:none'))).toEqual([])
      expect(await read(transactionDocuments.ops('p1:ch_1'))).toEqual({transaction: failed, rawJson: '{"id":"ch_1"}'})
      expect(await read(transactionDocuments.ops('p1:none'))).toBeNull()
    })

    it('lists stored transactions in arrival order, all or one provider’s, and finds a parent', async () => {
      await write(seedReference())
      await write(
        (function* () {
          yield* writeTxnVersion.ops(written(txn('b')), null)
          yield* writeTxnVersion.ops(written(txn('a', {provider: 'p2'}), {customerId: 'c2', siteId: 'zürich'}), null)
          yield* writeTxnVersion.ops(written(txn('c')), null)
        })(),
      )
      expect((await read(storedTransactions.ops())).map((s) => s.txn.id)).toEqual(['p1:b', 'p2:a', 'p1:c'])
      expect((await read(storedTransactions.ops('p1'))).map((s) => s.txn.id)).toEqual(['p1:b', 'p1:c'])
      expect(await read(storedTransactions.ops('p3'))).toEqual([])
      expect((await read(storedTransactions.ops('p2')))[0]).toMatchObject({customerId: 'c2', siteId: 'zürich'})
      expect(await read(storedParent.ops('p2', 'a'))).toEqual({customerId: 'c2', siteId: 'zürich'})
      expect(await read(storedParent.ops('p1', 'a'))).toBeNull()
    })

    it('queries transactions newest first, id breaking ties, by each filter and by customer', async () => {
      await write(seedReference())
      const at = (day: number) => `2024-04-0${day}T10:00:00.000Z`
      await write(
        (function* () {
          yield* writeTxnVersion.ops(written(txn('x1', {occurredAt: at(1)})), null)
          yield* writeTxnVersion.ops(written(txn('x3', {occurredAt: at(2), status: 'failed'})), null)
          yield* writeTxnVersion.ops(written(txn('x2', {occurredAt: at(2)})), null)
          yield* writeTxnVersion.ops(
            written(txn('y1', {provider: 'p2', occurredAt: at(3), type: 'refund'}), {
              customerId: 'c2',
              siteId: 'zürich',
            }),
            null,
          )
        })(),
      )
      const ids = async (f: Parameters<typeof queryTransactions.ops>[0]) =>
        (await read(queryTransactions.ops(f))).map((s) => s.id)
      expect(await ids({limit: 10})).toEqual(['p2:y1', 'p1:x3', 'p1:x2', 'p1:x1'])
      expect(await ids({limit: 2})).toEqual(['p2:y1', 'p1:x3'])
      expect(await ids({customer: 'c1', limit: 10})).toEqual(['p1:x3', 'p1:x2', 'p1:x1'])
      expect(await ids({customer: 'c2', site: 'zürich', limit: 10})).toEqual(['p2:y1'])
      expect(await ids({customer: 'nobody', limit: 10})).toEqual([])
      expect(await ids({provider: 'p1', status: 'succeeded', since: at(2), limit: 10})).toEqual(['p1:x2'])
      expect(await ids({type: 'refund', limit: 10})).toEqual(['p2:y1'])
      expect((await read(queryTransactions.ops({site: 'zürich', limit: 1})))[0]).toEqual({
        id: 'p2:y1',
        provider: 'p2',
        type: 'refund',
        status: 'succeeded',
        amount: {minor: 1000, currency: 'EUR'},
        customer: 'c2',
        site: 'zürich',
        occurredAt: at(3),
        updatedAt: '2024-04-01T10:00:00.000Z',
      })
    })

    it('posts balanced sets once per version, and reads positions, postings and balances back', async () => {
      await write(seedReference())
      const seq = await write(writeTxnVersion.ops(written(txn('ch_1')), null))
      const key = {seq, id: 'p1:ch_1'}
      const meta = {provider: 'p1', site: 'berlin', customer: 'c1'}
      const v1 = [
        {account: 'customer:c1', minor: -BIG, currency: 'EUR'},
        {account: 'clearing:p1', minor: BIG, currency: 'EUR'},
        {account: 'clearing:p1', minor: 7, currency: 'CHF'},
        {account: 'customer:c1', minor: -7, currency: 'CHF'},
      ]
      expect(await write(insertPostings.ops(key, 1, v1, meta, T))).toBe(4)
      // A replay of the same version posts nothing (the partial unique index, on both engines).
      expect(await write(insertPostings.ops(key, 1, v1, meta, T))).toBe(0)
      expect(await write(insertPostings.ops(key, 2, [], meta))).toBe(0)
      const v2 = [
        {account: 'customer:c1', minor: BIG, currency: 'EUR'},
        {account: 'clearing:p1', minor: -BIG, currency: 'EUR'},
      ]
      expect(await write(insertPostings.ops(key, 2, v2, meta))).toBe(2)

      expect(await read(postingKeyOf.ops('p1:ch_1'))).toEqual(key)
      expect(await read(postingKeyOf.ops('invoice:9'))).toEqual({document: 'invoice:9'})
      expect(await read(postedPositions.ops(key))).toEqual({
        lines: [
          {account: 'clearing:p1', currency: 'CHF', minor: 7},
          {account: 'clearing:p1', currency: 'EUR', minor: 0},
          {account: 'customer:c1', currency: 'CHF', minor: -7},
          {account: 'customer:c1', currency: 'EUR', minor: 0},
        ],
        lastVersion: 2,
      })
      expect(await read(postedPositions.ops({document: 'invoice:9'}))).toEqual({lines: [], lastVersion: 0})

      const postings = await read(postingsFor.ops('p1:ch_1'))
      expect(postings.map((p) => [p.version, p.account, p.minor, p.currency])).toEqual([
        [1, 'customer:c1', -BIG, 'EUR'],
        [1, 'clearing:p1', BIG, 'EUR'],
        [1, 'clearing:p1', 7, 'CHF'],
        [1, 'customer:c1', -7, 'CHF'],
        [2, 'customer:c1', BIG, 'EUR'],
        [2, 'clearing:p1', -BIG, 'EUR'],
      ])
      expect(postings[0]).toEqual({
        txnId: 'p1:ch_1',
        version: 1,
        account: 'customer:c1',
        minor: -BIG,
        currency: 'EUR',
        provider: 'p1',
        site: 'berlin',
        customer: 'c1',
        postedAt: T,
      })
      // Without `at`, the store's clock.
      expect(postings[4]!.postedAt).toMatch(/^2024-05-01T10:00:\d\d\.000Z$/)
      expect(await read(postingsFor.ops('p1:none'))).toEqual([])
      // A zero balance is left out.
      expect(await read(customerBalances.ops('c1'))).toEqual([{minor: -7, currency: 'CHF'}])
      expect(await read(customerBalances.ops('nobody'))).toEqual([])
    })

    it('posts documents by their text id; balances per site and per customer count customer accounts only', async () => {
      await write(seedReference())
      const invoice = (id: string, customer: string, site: string, minor: number, currency: string) =>
        insertPostings.ops(
          {document: `invoice:${id}`},
          1,
          [
            {account: `customer:${customer}`, minor, currency},
            {account: `revenue:${site}`, minor: -minor, currency},
          ],
          {provider: null, site, customer},
          T,
        )
      await write(
        (function* () {
          yield* invoice('1', 'c1', 'berlin', 500, 'EUR')
          yield* invoice('2', 'c1', 'berlin', BIG - 500, 'EUR')
          yield* invoice('3', 'c2', 'zürich', 300, 'CHF')
          yield* invoice('4', 'c2', 'zürich', 20, 'EUR')
          yield* invoice('5', 'c2', 'zürich', -20, 'EUR')
          // Not customer accounts: neither a prefix that only looks alike, nor another case.
          yield* run(
            `INSERT INTO ledger_postings (txn_id, version, account, amount_minor, currency, site, posted_at)
             VALUES ('invoice:6', 1, 'customers:c1', 1, 'EUR', 'berlin', ?),
                    ('invoice:6', 1, 'Customer:c1', 2, 'EUR', 'berlin', ?),
                    ('invoice:6', 1, 'customer:c9', 4, 'USD', NULL, ?)`,
            [T, T, T],
          )
        })(),
      )
      expect(await write(invoice('1', 'c1', 'berlin', 500, 'EUR'))).toBe(0)
      expect(await read(postingKeyOf.ops('invoice:1'))).toEqual({document: 'invoice:1'})
      expect(await read(postedPositions.ops({document: 'invoice:2'}))).toEqual({
        lines: [
          {account: 'customer:c1', currency: 'EUR', minor: BIG - 500},
          {account: 'revenue:berlin', currency: 'EUR', minor: -(BIG - 500)},
        ],
        lastVersion: 1,
      })
      expect((await read(postingsFor.ops('invoice:3'))).map((p) => [p.account, p.minor, p.customer])).toEqual([
        ['customer:c2', 300, 'c2'],
        ['revenue:zürich', -300, 'c2'],
      ])
      expect(await read(siteBalances.ops())).toEqual([
        {site: 'berlin', currency: 'EUR', minor: BIG},
        {site: 'zürich', currency: 'CHF', minor: 300},
        {site: 'zürich', currency: 'EUR', minor: 0},
      ])
      expect(await read(customerBalances.ops('c1'))).toEqual([{minor: BIG, currency: 'EUR'}])
      expect(await read(allCustomerBalances.ops())).toEqual([
        {id: 'c1', site: 'berlin', name: 'Ada', balances: [{minor: BIG, currency: 'EUR'}]},
        {id: 'c2', site: 'zürich', name: 'Zoë ✓', balances: [{minor: 300, currency: 'CHF'}]},
      ])
      expect(await read(allCustomerBalances.ops('zürich'))).toEqual([
        {id: 'c2', site: 'zürich', name: 'Zoë ✓', balances: [{minor: 300, currency: 'CHF'}]},
      ])
      expect(await read(allCustomerBalances.ops('nowhere'))).toEqual([])
    })

    it("purges one provider's history, postings and balances included, and leaves the others'", async () => {
      await write(seedReference())
      const book = (provider: string, externalId: string) =>
        (function* () {
          const t = txn(externalId, {provider})
          const seq = yield* writeTxnVersion.ops(written(t), null)
          yield* insertPostings.ops(
            {seq, id: t.id},
            1,
            [
              {account: 'customer:c1', minor: 100, currency: 'EUR'},
              {account: `clearing:${provider}`, minor: -100, currency: 'EUR'},
            ],
            {provider, site: 'berlin', customer: 'c1'},
            T,
          )
        })()
      const runs = `INSERT INTO sync_runs (provider, started_at, finished_at, status) VALUES (?, ?, ?, ?)`
      await write(
        (function* () {
          yield* book('p1', 'a')
          yield* book('p1', 'b')
          yield* book('p2', 'a')
          yield* run(runs, ['p1', T, '2024-05-02T00:00:00.000Z', 'ok'])
          yield* run(runs, ['p1', T, '2024-05-03T00:00:00.000Z', 'ok'])
          yield* run(runs, ['p1', T, '2024-05-04T00:00:00.000Z', 'error'])
          yield* run(runs, ['p2', T, null, 'running'])
          yield* run('INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)', [
            'p1',
            'me',
            T,
            T,
          ])
          yield* run('INSERT INTO sync_cursors (provider, cursor_json, updated_at) VALUES (?, ?, ?)', ['p1', '{}', T])
        })(),
      )
      expect(await read(lastSyncOf.ops('p1'))).toBe('2024-05-03T00:00:00.000Z')
      expect(await read(lastSyncOf.ops('p2'))).toBeNull()
      expect(await read(lastSyncOf.ops('p9'))).toBeNull()
      expect(await read(customerBalances.ops('c1'))).toEqual([{minor: 300, currency: 'EUR'}])

      expect(await write(purgeProviderHistory.ops('p1'))).toEqual({transactions: 2, postings: 4})
      expect((await read(storedTransactions.ops())).map((s) => s.txn.id)).toEqual(['p2:a'])
      expect(await read(customerBalances.ops('c1'))).toEqual([{minor: 100, currency: 'EUR'}])
      expect(await read(transactionStates.ops('p1:a'))).toEqual([])
      expect(await read(lastSyncOf.ops('p1'))).toBeNull()
      expect(await read(values('SELECT name FROM leases'))).toEqual([])
      expect(await read(values('SELECT provider FROM sync_cursors'))).toEqual([])
      expect(await read(values('SELECT provider FROM ledger_purges'))).toEqual([])
      // Postings stay append-only once the purge is over.
      await expect(write(run('DELETE FROM ledger_postings WHERE provider = ?', ['p2']))).rejects.toThrow(/append-only/)
      expect(await write(purgeProviderHistory.ops('p1'))).toEqual({transactions: 0, postings: 0})
    })

    it('reads the store id and the providers that predate it', async () => {
      const id = await read(storeId.ops())
      expect(id).toMatch(/^[A-Za-z0-9-]{8,64}$/)
      expect(await read(legacyKeychainProviders.ops())).toEqual(new Set())
      await write(
        (function* () {
          for (const p of ['p2', 'p1'])
            yield* run(
              `INSERT INTO providers (id, kind, settings_json, created_at, updated_at) VALUES (?, 'stripe', '{}', ?, ?)`,
              [p, T, T],
            )
          yield* run('INSERT INTO keychain_legacy_providers (provider) VALUES (?), (?)', ['p1', 'p2'])
        })(),
      )
      expect(await read(legacyKeychainProviders.ops())).toEqual(new Set(['p1', 'p2']))
      expect(await read(storeId.ops())).toBe(id)
      if (engine === 'sqlite') expect(storeId(ledger.db!)).toBe(id)
    })
  })
})
