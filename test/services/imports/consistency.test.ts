import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {importCustomers, showCustomer} from '../../../src/services/customers.js'
import {getCustomer} from '../../../src/store/repos/customers.js'
import {importInvoices} from '../../../src/services/invoices.js'
import {addSite, importSites, listSites} from '../../../src/services/sites.js'
import {siteBalances} from '../../../src/store/repos/ledger.js'
import {csv, importWorld, type ImportWorld} from './import-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

let w: ImportWorld
beforeEach(async () => {
  w = importWorld()
  addSite(w.db, w.ctx, {id: 'berlin', name: 'Berlin', currency: 'EUR', country: null, timezone: null})
  addSite(w.db, w.ctx, {id: 'tokyo', name: 'Tokyo', currency: 'JPY', country: null, timezone: null})
  await importCustomers(sqliteHandle(w.db), w.ctx, w.input('customers.csv', csv('id,site', 'c1,berlin', 'c2,tokyo')))
})
afterEach(() => w.cleanup())

const INVOICE_HEADER = 'id,site,customer,amount,currency,issued_at,due_at'
const invoices = (...rows: string[]) =>
  importInvoices(sqliteHandle(w.db), w.ctx, w.input('invoices.csv', csv(INVOICE_HEADER, ...rows)))
const revenueSites = () =>
  siteBalances(w.db)
    .filter((b) => b.minor !== 0)
    .map((b) => b.site)

// Item 1: "an invoice whose site is not its customer's site is accepted and booked to the wrong site's revenue".
describe("an invoice's site", () => {
  it("must be its customer's site: otherwise the row is rejected and nothing is booked", async () => {
    const result = await invoices('i1,tokyo,c1,10.00,EUR,2026-01-01,', 'i2,berlin,c1,20.00,EUR,2026-01-01,')
    expect(result).toEqual({
      inserted: 1,
      updated: 0,
      unchanged: 0,
      rejected: [{line: 2, error: 'customer "c1" belongs to site "berlin", not "tokyo"'}],
    })
    expect(revenueSites()).toEqual(['berlin'])
    expect(showCustomer(w.db, w.ctx, 'c1').balances).toEqual([{minor: 2000, currency: 'EUR'}])
  })

  it('an update that moves an invoice to another site than its customer is rejected too', async () => {
    await invoices('i1,berlin,c1,10.00,EUR,2026-01-01,')
    expect((await invoices('i1,tokyo,c1,10.00,EUR,2026-01-01,')).rejected).toEqual([
      {line: 2, error: 'customer "c1" belongs to site "berlin", not "tokyo"'},
    ])
  })
})

// The same class from the customer's side: moving a customer whose money is booked at one site to another would
// split its balance across sites (old invoices at one, new payments at the other).
describe("a customer's site", () => {
  it('may change while nothing is booked for the customer', async () => {
    const r = await importCustomers(sqliteHandle(w.db), w.ctx, w.input('move.csv', csv('id,site', 'c1,tokyo')))
    expect(r).toMatchObject({updated: 1, rejected: []})
    expect(getCustomer(w.db, 'c1')?.site).toBe('tokyo')
  })

  it('may not change once the customer has ledger postings', async () => {
    await invoices('i1,berlin,c1,10.00,EUR,2026-01-01,')
    const r = await importCustomers(
      sqliteHandle(w.db),
      w.ctx,
      w.input('move.csv', csv('id,site,name', 'c1,tokyo,Anna', 'c2,tokyo,Bo')),
    )
    expect(r).toEqual({
      inserted: 0,
      updated: 1,
      unchanged: 0,
      rejected: [
        {
          line: 2,
          error:
            'customer "c1" has ledger postings at site "berlin"; moving it to "tokyo" would split its balance across sites',
        },
      ],
    })
    expect(getCustomer(w.db, 'c1')?.site).toBe('berlin')
  })
})

// Item 1: "`due_at` before `issued_at`".
describe('invoice dates', () => {
  it('due_at before issued_at rejects the row; the same instant or later is fine', async () => {
    const result = await invoices(
      'i1,berlin,c1,10.00,EUR,2026-01-05,2026-01-01',
      'i2,berlin,c1,10.00,EUR,2026-01-05T10:00:00+02:00,2026-01-05T08:00:00Z',
      'i3,berlin,c1,10.00,EUR,2026-01-05T10:00:00+02:00,2026-01-05T07:59:59Z',
      'i4,berlin,c1,10.00,EUR,2026-01-05,',
    )
    expect(result).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      rejected: [
        {line: 2, error: 'due_at: 2026-01-01T00:00:00.000Z is before issued_at 2026-01-05T00:00:00.000Z'},
        {line: 4, error: 'due_at: 2026-01-05T07:59:59.000Z is before issued_at 2026-01-05T08:00:00.000Z'},
      ],
    })
  })
})

// Item 1: "a site's base currency changed after it has postings".
describe("a site's base currency", () => {
  it('may change while nothing is booked at the site', async () => {
    await expect(
      importSites(sqliteHandle(w.db), w.ctx, w.input('s.csv', csv('id,name,currency', 'tokyo,Tokyo,USD'))),
    ).resolves.toMatchObject({
      updated: 1,
      rejected: [],
    })
    expect(
      addSite(w.db, w.ctx, {id: 'tokyo', name: 'Tokyo', currency: 'JPY', country: null, timezone: null}),
    ).toMatchObject({
      currency: 'JPY',
    })
  })

  it('may not change once the site has postings: sites import rejects the row, sites add refuses', async () => {
    await invoices('i1,berlin,c1,10.00,EUR,2026-01-01,')
    const reason = 'site "berlin" has ledger postings in its base currency EUR; it cannot change to USD'
    const r = await importSites(
      sqliteHandle(w.db),
      w.ctx,
      w.input('s.csv', csv('id,name,currency', 'berlin,Berlin Mitte,USD', 'tokyo,Tokyo Ginza,JPY')),
    )
    expect(r).toEqual({inserted: 0, updated: 1, unchanged: 0, rejected: [{line: 2, error: reason}]})
    expect(() =>
      addSite(w.db, w.ctx, {id: 'berlin', name: 'Berlin', currency: 'usd', country: null, timezone: null}),
    ).toThrow(expect.objectContaining({exitCode: 2, message: `site berlin was refused: ${reason}`}))
    expect(listSites(w.db).find((s) => s.id === 'berlin')).toMatchObject({currency: 'EUR', name: 'Berlin'})
    // Renaming a site with postings stays possible.
    expect(
      addSite(w.db, w.ctx, {id: 'berlin', name: 'Berlin Ost', currency: 'EUR', country: null, timezone: null}),
    ).toMatchObject({
      name: 'Berlin Ost',
    })
  })

  it('a synced transaction counts as booked money too, even before it posts (pending)', async () => {
    w.db.raw.exec(`INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency,
      customer_id, site_id, occurred_at, updated_at, version, raw_json, first_seen_at, last_seen_at)
      VALUES ('p1:x', 'p1', 'stripe', 'x', 'payment', 'pending', 500, 'JPY', 'c2', 'tokyo', '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z', 1, '{}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`)
    const sites = await importSites(
      sqliteHandle(w.db),
      w.ctx,
      w.input('s.csv', csv('id,name,currency', 'tokyo,Tokyo,USD')),
    )
    expect(sites.rejected).toEqual([
      {line: 2, error: 'site "tokyo" has transactions in its base currency JPY; it cannot change to USD'},
    ])
    const customers = await importCustomers(sqliteHandle(w.db), w.ctx, w.input('c.csv', csv('id,site', 'c2,berlin')))
    expect(customers.rejected).toEqual([
      {
        line: 2,
        error:
          'customer "c2" has transactions at site "tokyo"; moving it to "berlin" would split its balance across sites',
      },
    ])
  })
})
