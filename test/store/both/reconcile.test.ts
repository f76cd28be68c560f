import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type Ops, run, value, values} from '../../../src/store/ops/op.js'
import {getInvoice, listInvoices, upsertInvoices} from '../../../src/store/repos/invoices.js'
import {listRates, rateOnOrBefore, upsertRates} from '../../../src/store/repos/fx.js'
import {FactState, finishFacts} from '../../../src/store/repos/reconcile-facts.js'
import {
  customerInvoices,
  customerTransactions,
  heldTransactions,
  invoicePostings,
  invoiceRow,
  postingsOnCustomers,
  siteCustomerBalances,
  txnOwners,
} from '../../../src/store/repos/reconcile-ledger.js'
import {
  type ExceptionRecord,
  getExceptions,
  getRun,
  insertRun,
  listRuns,
  type NewRun,
  openExceptionsBySite,
  resolvedExceptions,
  resolveException,
} from '../../../src/store/repos/reconcile-runs.js'
import {testPostgres} from '../../helpers/postgres.js'
import {type HandleUnderTest, handleEngines} from '../ops/engines.js'

const postgres = await testPostgres()

const T = '2024-05-01T00:00:00.000Z'
const BIG = Number.MAX_SAFE_INTEGER // 2^53 - 1: the largest amount either engine hands back exactly

function* addSite(id: string, currency = 'EUR'): Ops<void> {
  yield* run('INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
    id,
    id,
    currency,
    T,
    T,
  ])
}

function* addCustomer(id: string, site: string): Ops<void> {
  yield* run('INSERT INTO customers (id, site, created_at, updated_at) VALUES (?, ?, ?, ?)', [id, site, T, T])
}

interface Txn {
  provider?: string
  external: string
  parent?: string | null
  type?: string
  status?: string
  amount?: number
  currency?: string
  customer?: string | null
  site?: string | null
  invoiceRef?: string | null
  occurredAt?: string
}

/** A stored transaction, its seq as the store numbered it. */
function* addTxn(t: Txn): Ops<number> {
  const provider = t.provider ?? 'stripe'
  return (yield* value<number>(
    `INSERT INTO transactions (id, provider, kind, external_id, parent_external_id, type, status, amount_minor, currency,
       customer_id, site_id, invoice_ref, occurred_at, updated_at, version, raw_json, first_seen_at, last_seen_at)
     VALUES (@id, @provider, 'charge', @external, @parent, @type, @status, @amount, @currency, @customer, @site, @invoiceRef,
       @occurredAt, @occurredAt, 1, '{}', @occurredAt, @occurredAt)
     RETURNING seq`,
    {
      id: `${provider}:${t.external}`,
      provider,
      external: t.external,
      parent: t.parent ?? null,
      type: t.type ?? 'payment',
      status: t.status ?? 'succeeded',
      amount: t.amount ?? 1000,
      currency: t.currency ?? 'EUR',
      customer: t.customer === undefined ? 'c1' : t.customer,
      site: t.site === undefined ? 's1' : t.site,
      invoiceRef: t.invoiceRef ?? null,
      occurredAt: t.occurredAt ?? T,
    },
  ))!
}

function* post(
  txn: {seq: number | null; id: string},
  account: string,
  amount: number,
  currency = 'EUR',
  site: string | null = 's1',
  version = 1,
): Ops<void> {
  yield* run(
    `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, site, posted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [txn.seq, txn.id, version, account, amount, currency, site, T],
  )
}

function* addInvoice(id: string, customer: string, amount = 1000, site = 's1', currency = 'EUR'): Ops<void> {
  yield* run(
    `INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, due_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
    [id, site, customer, amount, currency, T, T, T],
  )
}

function* quarantine(external: string | null, status: string, normalized: string | null): Ops<void> {
  yield* run(
    `INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, source, status, created_at, updated_at,
       normalized_json) VALUES ('stripe', ?, 'access_denied', ?, '{}', 'pull', ?, ?, ?, ?)`,
    [external, `détail ${external}`, status, T, T, normalized],
  )
}

const newRun = (site: string, at: string): NewRun => ({
  site,
  from: null,
  to: '2024-06-01T00:00:00.000Z',
  providers: ['stripe', 'päypal'],
  tolerance: '0.00',
  windowDays: 7,
  actor: 'cli',
  at,
  summaryJson: '{"ok":true}',
})

const exception = (id: string, sha: string, detail = '{}'): ExceptionRecord => ({
  id,
  class: 'unmatched_payment',
  subject: `subject ${id}`,
  factsSha256: sha.repeat(64).slice(0, 64),
  detailJson: detail,
})

describe.each(handleEngines(postgres))('reconcile repositories on $engine', ({skip, open}) => {
  let ledger: HandleUnderTest
  beforeEach(async () => {
    if (skip === undefined) ledger = await open()
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })
  const write = <T>(ops: Ops<T>) => ledger.handle.write(ops)
  const read = <T>(ops: Ops<T>) => ledger.handle.read(ops)

  describe.skipIf(skip !== undefined)('', () => {
    describe('fx', () => {
      const rates = [
        {date: '2024-05-02', base: 'EUR', quote: 'USD', rate: '1.0712', source: 'ecb'},
        {date: '2024-05-03', base: 'EUR', quote: 'USD', rate: '1.0745', source: 'ecb'},
        {date: '2024-05-06', base: 'EUR', quote: 'USD', rate: '1.0772', source: 'ecb'},
        {date: '2024-05-03', base: 'EUR', quote: 'JPY', rate: '164.67', source: 'csv:kurse-ü.csv'},
      ]

      it('upserts with per-row outcomes, refuses malformed rates alone, and keeps decimals as written', async () => {
        expect(await write(upsertRates.ops(rates))).toMatchObject({inserted: 4, updated: 0, unchanged: 0})
        const again = await write(
          upsertRates.ops([
            ...rates.slice(0, 3),
            {...rates[3]!, rate: '164.70', source: 'manual'},
            {date: '2024-05-02', base: 'EUR', quote: 'KWD', rate: '0.329870000001', source: 'csv'},
            {date: '2024-05-02', base: 'EUR', quote: 'GBP', rate: '1,07', source: 'csv'},
            {date: '2024-05-02', base: 'EUR', quote: 'CHF', rate: '0.000', source: 'csv'},
            {date: '2024-5-2', base: 'EUR', quote: 'SEK', rate: '11.5', source: 'csv'},
            {date: '2024-05-02', base: 'EUR', quote: 'EUR', rate: '1', source: 'csv'},
            {date: '2024-05-02', base: 'EUR', quote: 'NOK', rate: '11.6', source: 'csv'},
          ]),
        )
        expect(again.outcomes.slice(0, 5)).toEqual(['unchanged', 'unchanged', 'unchanged', 'updated', 'inserted'])
        expect(again.rejected.map((r) => r.index)).toEqual([5, 6, 7, 8])
        expect(again).toMatchObject({inserted: 2, updated: 1, unchanged: 3})
        expect(again.outcomes[9]).toBe('inserted') // the rows after the refused ones still land
        const kwd = await read(rateOnOrBefore.ops('EUR', 'KWD', '2024-05-02'))
        expect(kwd).toMatchObject({rate: '0.329870000001', source: 'csv'})
        expect(await read(rateOnOrBefore.ops('EUR', 'JPY', '2024-12-31'))).toMatchObject({
          rate: '164.70',
          source: 'manual',
        })
        expect(await read(values('SELECT quote FROM fx_rates ORDER BY quote'))).toEqual([
          'JPY',
          'KWD',
          'NOK',
          'USD',
          'USD',
          'USD',
        ])
      })

      it('finds the latest rate on or before a date, never an inverted one', async () => {
        await write(upsertRates.ops(rates))
        expect((await read(rateOnOrBefore.ops('EUR', 'USD', '2024-05-04')))?.rate).toBe('1.0745')
        expect((await read(rateOnOrBefore.ops('EUR', 'USD', '2024-05-06')))?.rate).toBe('1.0772')
        expect((await read(rateOnOrBefore.ops('EUR', 'USD', '2024-05-03T23:59:59Z')))?.date).toBe('2024-05-03')
        expect(await read(rateOnOrBefore.ops('EUR', 'USD', '2024-05-01'))).toBeNull()
        expect(await read(rateOnOrBefore.ops('USD', 'EUR', '2024-05-06'))).toBeNull()
        const jpy = await read(rateOnOrBefore.ops('EUR', 'JPY', '2024-05-03'))
        expect(jpy).toEqual({
          date: '2024-05-03',
          base: 'EUR',
          quote: 'JPY',
          rate: '164.67',
          source: 'csv:kurse-ü.csv',
          updatedAt: expect.stringMatching(/^2024-05-01T10:00:0\d\.000Z$/) as string,
        })
      })

      it('lists newest first, then by pair, filtered and limited; no limit or a negative one lists all', async () => {
        await write(upsertRates.ops(rates))
        const list = async (filter?: Parameters<typeof listRates.ops>[0]) =>
          (await read(listRates.ops(filter))).map((r) => `${r.date} ${r.quote}`)
        expect(await list()).toEqual(['2024-05-06 USD', '2024-05-03 JPY', '2024-05-03 USD', '2024-05-02 USD'])
        expect(await list({quote: 'USD', from: '2024-05-03'})).toEqual(['2024-05-06 USD', '2024-05-03 USD'])
        expect(await list({base: 'EUR', to: '2024-05-03'})).toEqual([
          '2024-05-03 JPY',
          '2024-05-03 USD',
          '2024-05-02 USD',
        ])
        expect(await list({limit: 2})).toEqual(['2024-05-06 USD', '2024-05-03 JPY'])
        expect(await list({limit: 0})).toEqual([])
        expect(await list({limit: -1})).toHaveLength(4)
        expect(await list({base: 'USD'})).toEqual([])
      })
    })

    describe('invoices', () => {
      beforeEach(async () => {
        await write(
          (function* () {
            yield* addSite('s1')
            yield* addSite('s2')
            yield* addCustomer('c1', 's1')
            yield* addCustomer('c2', 's2')
          })(),
        )
      })

      it('upserts with per-row outcomes; an unknown or foreign owner and a refused value reject the row alone', async () => {
        const base = {site: 's1', customer: 'c1', currency: 'EUR', issuedAt: '2024-05-02T00:00:00.000Z'}
        const first = await write(
          upsertInvoices.ops([
            {...base, id: 'inv-1', amountMinor: 1000},
            {...base, id: 'rechnung-ü-✓', amountMinor: BIG, dueAt: '2024-06-01T00:00:00.000Z'},
            {...base, id: 'inv-x', site: 'nowhere', amountMinor: 1},
            {...base, id: 'inv-y', customer: 'ghost', amountMinor: 1},
            {...base, id: 'inv-z', customer: 'c2', amountMinor: 1},
            {...base, id: 'inv-f', amountMinor: 1.5},
            {...base, id: 'inv-lower', currency: 'eur', amountMinor: 1},
            {...base, id: 'inv-neg', amountMinor: -1},
            {...base, id: 'inv-2', amountMinor: 0},
          ]),
        )
        expect(first).toMatchObject({inserted: 3, updated: 0, unchanged: 0})
        expect(first.rejected.map((r) => r.index)).toEqual([2, 3, 4, 5, 6, 7])
        expect(first.rejected.slice(0, 4).map((r) => r.error)).toEqual([
          'unknown site "nowhere"',
          'unknown customer "ghost"',
          'customer "c2" belongs to site "s2", not "s1"',
          'amount 1.5 is not an integer number of minor units',
        ])
        // The store's own refusals (CHECKs): each engine words them its way, both name the constraint's column.
        expect(first.rejected[4]!.error).toMatch(/currency/)
        expect(first.rejected[5]!.error).toMatch(/amount_minor/)
        expect(await read(values('SELECT id FROM invoices ORDER BY id'))).toEqual(['inv-1', 'inv-2', 'rechnung-ü-✓'])

        const second = await write(
          upsertInvoices.ops([
            {...base, id: 'inv-1', amountMinor: 1000, dueAt: null},
            {...base, id: 'inv-2', amountMinor: 5},
            {...base, id: 'rechnung-ü-✓', amountMinor: BIG, dueAt: '2024-06-01T00:00:00.000Z'},
          ]),
        )
        expect(second.outcomes).toEqual(['unchanged', 'updated', 'unchanged'])
        const big = await read(getInvoice.ops('rechnung-ü-✓'))
        expect(big).toMatchObject({amountMinor: BIG, dueAt: '2024-06-01T00:00:00.000Z', customer: 'c1'})
        const updated = await read(getInvoice.ops('inv-2'))
        expect(updated).toMatchObject({amountMinor: 5, dueAt: null})
        expect(updated!.updatedAt > updated!.createdAt).toBe(true)
        expect(await read(getInvoice.ops('inv-3'))).toBeNull()
      })

      it('lists by issue time then id (byte order), filtered by site, customer and [from, to), limited', async () => {
        const at = (day: number) => `2024-05-0${day}T00:00:00.000Z`
        const invoice = (id: string, day: number, site = 's1', customer = 'c1') =>
          ({id, site, customer, amountMinor: 1, currency: 'EUR', issuedAt: at(day)}) as const
        await write(
          upsertInvoices.ops([
            invoice('é', 2),
            invoice('b', 2),
            invoice('a', 2),
            invoice('Z', 2),
            invoice('c', 1),
            invoice('d', 3, 's2', 'c2'),
          ]),
        )
        const ids = async (filter?: Parameters<typeof listInvoices.ops>[0]) =>
          (await read(listInvoices.ops(filter))).map((i) => i.id)
        expect(await ids()).toEqual(['c', 'Z', 'a', 'b', 'é', 'd'])
        expect(await ids({site: 's1'})).toEqual(['c', 'Z', 'a', 'b', 'é'])
        expect(await ids({customer: 'c2'})).toEqual(['d'])
        expect(await ids({from: at(2), to: at(3)})).toEqual(['Z', 'a', 'b', 'é'])
        expect(await ids({limit: 2})).toEqual(['c', 'Z'])
        expect(await ids({limit: -3})).toHaveLength(6)
        expect(await ids({site: 'nowhere'})).toEqual([])
      })
    })

    describe('runs and exceptions', () => {
      beforeEach(async () => {
        await write(
          (function* () {
            yield* addSite('s1')
            yield* addSite('s2')
          })(),
        )
      })

      it('stores a run with its exceptions, in batches and one by one, and reads it back', async () => {
        // 64 to a statement, then one by one: 130 is two batches and two single rows.
        const found = Array.from({length: 130}, (_, k) => exception(`exc-${String(k).padStart(3, '0')}`, 'a'))
        const id = await write(insertRun.ops(newRun('s1', T), found, {exceptions: 130, open: 130}))
        expect(id).toBe(1)
        const stored = await read(getRun.ops(id))
        expect(stored).toEqual({
          id: 1,
          ...newRun('s1', T),
          exceptions: 130,
          openExceptions: 130,
          found: found.map((e) => [e.id, e.factsSha256]),
        })
        expect(await read(getRun.ops(2))).toBeNull()
        expect(await read(value('SELECT count(*) FROM reconciliation_exceptions WHERE first_run = 1'))).toBe(130)
        const some = await read(getExceptions.ops(['exc-000', 'exc-129', 'missing']))
        expect([...some.keys()].sort()).toEqual(['exc-000', 'exc-129'])
        expect(some.get('exc-129')).toEqual({
          ...exception('exc-129', 'a'),
          site: 's1',
          status: 'open',
          firstRun: 1,
          lastRun: 1,
          resolvedAt: null,
          resolvedBy: null,
          resolutionNote: null,
        })
        expect((await read(getExceptions.ops([]))).size).toBe(0)
      })

      it('a later run keeps a resolution while the facts are unchanged and reopens the exception when they change', async () => {
        await write(
          insertRun.ops(
            newRun('s1', T),
            [exception('same', 'a'), exception('changed', 'b'), exception('ünïcode-✓', 'c')],
            {exceptions: 3, open: 3},
          ),
        )
        const by = {actor: 'anna', note: 'refunded by hand — ok', at: '2024-05-02T00:00:00.000Z'}
        expect(await write(resolveException.ops('same', by))).toBe(true)
        expect(await write(resolveException.ops('changed', by))).toBe(true)
        expect(await write(resolveException.ops('missing', by))).toBe(false)
        expect([...(await read(resolvedExceptions.ops('s1'))).keys()].sort()).toEqual(['changed', 'same'])
        expect((await read(resolvedExceptions.ops('s2'))).size).toBe(0)

        const second = await write(
          insertRun.ops(
            newRun('s1', '2024-05-03T00:00:00.000Z'),
            [exception('same', 'a', '{"v":2}'), exception('changed', 'd', '{"v":2}'), exception('new', 'e')],
            {exceptions: 3, open: 2},
          ),
        )
        expect(second).toBe(2)
        const now = await read(getExceptions.ops(['same', 'changed', 'ünïcode-✓', 'new']))
        expect(now.get('same')).toMatchObject({
          status: 'resolved',
          resolvedBy: 'anna',
          resolutionNote: 'refunded by hand — ok',
          detailJson: '{"v":2}',
          firstRun: 1,
          lastRun: 2,
        })
        expect(now.get('changed')).toMatchObject({
          status: 'open',
          resolvedAt: null,
          resolvedBy: null,
          resolutionNote: null,
          factsSha256: 'd'.repeat(64),
          detailJson: '{"v":2}',
          firstRun: 1,
          lastRun: 2,
        })
        expect(now.get('ünïcode-✓')).toMatchObject({status: 'open', lastRun: 1})
        expect(now.get('new')).toMatchObject({status: 'open', firstRun: 2, lastRun: 2})
      })

      it('lists runs newest first, by site and limited; counts the open exceptions of each site’s latest run', async () => {
        await write(
          insertRun.ops(newRun('s1', T), [exception('x1', 'a'), exception('x2', 'a')], {exceptions: 2, open: 2}),
        )
        await write(insertRun.ops(newRun('s2', T), [exception('y1', 'a')], {exceptions: 1, open: 1}))
        await write(
          insertRun.ops(newRun('s1', T), [exception('x1', 'a'), exception('x3', 'a')], {exceptions: 2, open: 2}),
        )
        await write(resolveException.ops('x3', {actor: 'a', note: '', at: T}))
        const ids = async (filter: {site?: string; limit: number}) =>
          (await read(listRuns.ops(filter))).map((r) => r.id)
        expect(await ids({limit: 10})).toEqual([3, 2, 1])
        expect(await ids({site: 's1', limit: 10})).toEqual([3, 1])
        expect(await ids({limit: 1})).toEqual([3])
        expect(await ids({limit: -1})).toEqual([3, 2, 1])
        expect(await ids({site: 'nowhere', limit: 10})).toEqual([])
        expect((await read(listRuns.ops({limit: 1})))[0]).toMatchObject({
          providers: ['stripe', 'päypal'],
          from: null,
          windowDays: 7,
          exceptions: 2,
        })
        // x2 was not seen by run 3 (its last run is 1) and x3 is resolved: s1 has one open exception, x1.
        expect(await read(openExceptionsBySite.ops())).toEqual([
          {site: 's1', open: 1, run: 3},
          {site: 's2', open: 1, run: 2},
        ])
      })

      it('refuses an exception row the schema refuses, and the run with it', async () => {
        const bad = {...exception('bad', 'a'), factsSha256: 'short'}
        await expect(write(insertRun.ops(newRun('s1', T), [bad], {exceptions: 1, open: 1}))).rejects.toThrow(
          /facts_sha256|CHECK/i,
        )
        expect(await read(listRuns.ops({limit: 10}))).toEqual([])
      })
    })

    describe('the ledger as reconciliation reads it', () => {
      let seqs: Record<string, number>
      beforeEach(async () => {
        seqs = await write(
          (function* () {
            yield* addSite('s1')
            yield* addSite('s2')
            for (const [c, site] of [
              ['c1', 's1'],
              ['c2', 's1'],
              ['kunde-ö', 's1'],
              ['c9', 's2'],
            ] as const)
              yield* addCustomer(c, site)
            // Inserted in id order, so an invoice's row is the same on both engines (rowid; rank by id).
            yield* addInvoice('inv-1', 'c1', 1000)
            yield* addInvoice('inv-2', 'c1', 2500)
            yield* addInvoice('inv-3', 'kunde-ö', BIG)
            yield* addInvoice('inv-4', 'c9', 10, 's2')
            const pay1 = yield* addTxn({external: 'pay1', invoiceRef: 'inv-1'})
            const refund = yield* addTxn({external: 're1', type: 'refund', parent: 'pay1', amount: 400})
            const orphan = yield* addTxn({external: 're2', type: 'refund', parent: 'gone', customer: 'c2'})
            const pay2 = yield* addTxn({external: 'pay2', customer: 'kunde-ö', amount: BIG, invoiceRef: 'inv-3'})
            const other = yield* addTxn({external: 'pay9', customer: 'c9', site: 's2'})
            const anonymous = yield* addTxn({provider: 'paypal', external: 'p0', customer: null, site: null})
            yield* post({seq: pay1, id: 'stripe:pay1'}, 'customer:c1', -1000)
            yield* post({seq: pay1, id: 'stripe:pay1'}, 'cash:stripe', 1000)
            yield* post({seq: refund, id: 'stripe:re1'}, 'customer:c1', 400)
            yield* post({seq: refund, id: 'stripe:re1'}, 'customer:c1', 7, 'USD')
            yield* post({seq: refund, id: 'stripe:re1'}, 'customer:c1', -7, 'USD', 's1', 2)
            yield* post({seq: pay2, id: 'stripe:pay2'}, 'customer:kunde-ö', -(BIG - 1))
            yield* post({seq: pay2, id: 'stripe:pay2'}, 'customer:kunde-ö', -1, 'EUR', 's1', 2)
            yield* post({seq: pay2, id: 'stripe:pay2'}, 'CUSTOMER:kunde-ö', 5) // GLOB and LIKE on "C" both see case
            yield* post({seq: other, id: 'stripe:pay9'}, 'customer:c9', -10, 'EUR', 's2')
            yield* post({seq: null, id: 'invoice:inv-1'}, 'customer:c1', 1000)
            yield* post({seq: null, id: 'invoice:inv-1'}, 'revenue:s1', -1000)
            yield* post({seq: null, id: 'invoice:inv-3'}, 'customer:kunde-ö', BIG)
            yield* post({seq: null, id: 'invoice:inv-3'}, 'customer:kunde-ö', 3, 'CHF')
            yield* post({seq: null, id: 'invoice:inv-3'}, 'customer:kunde-ö', -3, 'CHF', 's1', 2)
            return {pay1, refund, orphan, pay2, other, anonymous}
          })(),
        )
      })

      it('reads every customer balance of a site, zero ones left out, by prefix and case', async () => {
        const balances = await read(siteCustomerBalances.ops('s1'))
        // c1: -1000 + 400 + 1000 EUR, and USD back to zero; kunde-ö: -BIG + BIG EUR (zero), CHF zero.
        expect(balances).toEqual(new Map([['c1', new Map([['EUR', 400]])]]))
        expect(await read(siteCustomerBalances.ops('s2'))).toEqual(new Map([['c9', new Map([['EUR', -10]])]]))
        expect((await read(siteCustomerBalances.ops('nowhere'))).size).toBe(0)
      })

      it('sums what each transaction posted on customer accounts, up to 2^53 - 1', async () => {
        const posted = await read(postingsOnCustomers.ops([seqs.pay1!, seqs.refund!, seqs.pay2!, seqs.orphan!, 999]))
        expect(posted).toEqual(
          new Map([
            [seqs.pay1!, new Map([['EUR', -1000]])],
            [seqs.refund!, new Map([['EUR', 400]])], // USD summed to zero: left out
            [seqs.pay2!, new Map([['EUR', -BIG]])],
          ]),
        )
        expect((await read(postingsOnCustomers.ops([]))).size).toBe(0)
      })

      it('finds the transactions of some customers of a site, with parents and postings, in seq order', async () => {
        const txns = await read(customerTransactions.ops('s1', ['c1', 'c2', 'kunde-ö', 'c9']))
        expect(txns.map((t) => [t.id, t.parentSeq, t.invoiceRef])).toEqual([
          ['stripe:pay1', null, 'inv-1'],
          ['stripe:re1', seqs.pay1, null],
          ['stripe:re2', null, null],
          ['stripe:pay2', null, 'inv-3'],
        ])
        expect(txns[3]).toEqual({
          seq: seqs.pay2,
          id: 'stripe:pay2',
          provider: 'stripe',
          type: 'payment',
          status: 'succeeded',
          amount: BIG,
          currency: 'EUR',
          customer: 'kunde-ö',
          invoiceRef: 'inv-3',
          parentSeq: null,
          posted: new Map([['EUR', -BIG]]),
        })
        expect(txns[2]!.posted).toEqual(new Map())
        expect(await read(customerTransactions.ops('s1', []))).toEqual([])
        expect((await read(customerTransactions.ops('s2', ['c9']))).map((t) => t.seq)).toEqual([seqs.other])
      })

      it('sums what each invoice posted on customer accounts', async () => {
        const posted = await read(invoicePostings.ops(['inv-1', 'inv-2', 'inv-3', 'nope']))
        expect(posted).toEqual(
          new Map([
            ['inv-1', new Map([['EUR', 1000]])],
            ['inv-3', new Map([['EUR', BIG]])], // CHF summed to zero: left out
          ]),
        )
        expect((await read(invoicePostings.ops([]))).size).toBe(0)
      })

      it('reads some customers’ invoices with their postings, each with the row invoiceRow gives it', async () => {
        const invoices = await read(customerInvoices.ops('s1', ['c1', 'kunde-ö', 'c9']))
        expect(invoices).toEqual([
          {row: 1, id: 'inv-1', customer: 'c1', amount: 1000, currency: 'EUR', posted: new Map([['EUR', 1000]])},
          {row: 2, id: 'inv-2', customer: 'c1', amount: 2500, currency: 'EUR', posted: new Map()},
          {row: 3, id: 'inv-3', customer: 'kunde-ö', amount: BIG, currency: 'EUR', posted: new Map([['EUR', BIG]])},
        ])
        expect(await read(customerInvoices.ops('s1', []))).toEqual([])
        for (const i of invoices) expect(await read(invoiceRow.ops(i.id))).toEqual({row: i.row, site: 's1'})
        expect(await read(invoiceRow.ops('inv-4'))).toEqual({row: 4, site: 's2'})
        expect(await read(invoiceRow.ops('inv-5'))).toBeNull()
      })

      it('names the owners of stored transactions by id, absent ones left out', async () => {
        const owners = await read(txnOwners.ops(['stripe:pay1', 'paypal:p0', 'stripe:missing', 'stripe:pay9']))
        expect(owners).toEqual(
          new Map([
            ['stripe:pay1', {seq: seqs.pay1, site: 's1', customer: 'c1'}],
            ['paypal:p0', {seq: seqs.anonymous, site: null, customer: null}],
            ['stripe:pay9', {seq: seqs.other, site: 's2', customer: 'c9'}],
          ]),
        )
        expect((await read(txnOwners.ops([]))).size).toBe(0)
      })

      it('lists the open quarantine items that have a normalized form, in the order they came', async () => {
        await write(
          (function* () {
            yield* quarantine('q2', 'open', '{"type":"refund"}')
            yield* quarantine('q1', 'open', '{"type":"payment","note":"ü"}')
            yield* quarantine('q3', 'resolved', '{"type":"payment"}')
            yield* quarantine('q4', 'open', null)
            yield* quarantine(null, 'open', '{"type":"dispute"}')
          })(),
        )
        const held = await read(heldTransactions.ops())
        expect(held.map((h) => h.externalId)).toEqual(['q2', 'q1', null])
        expect(held[1]).toEqual({
          provider: 'stripe',
          externalId: 'q1',
          reason: 'access_denied',
          detail: 'détail q1',
          normalizedJson: '{"type":"payment","note":"ü"}',
        })
      })

      it('finishes facts with the attempts at each invoice handed over, in seq order', async () => {
        const [older, newer, ignored] = await write(
          (function* () {
            return [
              yield* addTxn({external: 'try2', status: 'failed', invoiceRef: 'inv-2'}),
              yield* addTxn({external: 'try1', status: 'pending', invoiceRef: 'inv-2'}),
              yield* addTxn({external: 'try3', status: 'canceled', invoiceRef: 'inv-1'}),
            ]
          })(),
        )
        const state = new FactState(
          {site: 's1', currency: 'EUR', from: null, to: null, providers: null, tallyPlain: true},
          ignored!,
          4,
        )
        const invoice = {customer: 'c1', amount: 2500, currency: 'EUR', issuedAt: T, dueAt: null}
        state.addInvoice({row: 2, id: 'inv-2', ...invoice})
        // Seen in the order the pass met them, not the order they arrived; inv-1's attempt is of no invoice handed over.
        state.attempt(2, newer!)
        state.attempt(2, older!)
        state.attempt(1, ignored!)
        const facts = await read(finishFacts.ops(state))
        expect(facts.invoices).toHaveLength(1)
        expect(facts.invoices[0]!.attempts).toEqual([
          {id: 'stripe:try2', status: 'failed'},
          {id: 'stripe:try1', status: 'pending'},
        ])
        const none = new FactState(
          {site: 's1', currency: 'EUR', from: null, to: null, providers: null, tallyPlain: true},
          1,
          1,
        )
        expect((await read(finishFacts.ops(none))).invoices).toEqual([])
      })
    })
  })
})
