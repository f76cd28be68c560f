import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {
  findCustomerByRef,
  getCustomer,
  listCustomers,
  ownerByRef,
  ownersByRefs,
  upsertCustomers,
  type CustomerInput,
} from '../../../src/store/repos/customers.js'
import {getInvoice, listInvoices, upsertInvoices} from '../../../src/store/repos/invoices.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {tempDb, type TempDb} from '../helpers.js'

let t: TempDb
beforeEach(() => {
  t = tempDb()
  upsertSites(t.db, [
    {id: 'berlin', name: 'Berlin', currency: 'EUR'},
    {id: 'tokyo', name: 'Tokyo', currency: 'JPY'},
  ])
})
afterEach(() => t.cleanup())

describe('customers repository', () => {
  it("looks up many refs at once as one by one: the provider's own ref before the kind's, null for none", () => {
    upsertCustomers(t.db, [
      {id: 'c1', site: 'berlin', segment: 'gold', refs: {stripe: 'cus_1'}},
      {id: 'c2', site: 'tokyo', segment: null, refs: {'stripe-eu': 'cus_1'}},
      {id: 'c3', site: 'berlin', segment: 'silver', refs: {stripe: 'cus_3'}},
    ])
    const refs = ['cus_1', 'cus_3', 'cus_none']
    for (const provider of ['stripe-eu', 'stripe-us']) {
      const owners = ownersByRefs(t.db, refs, provider, 'stripe')
      expect([...owners.keys()]).toEqual(refs)
      for (const ref of refs) expect(owners.get(ref)).toEqual(ownerByRef(t.db, ref, provider, 'stripe'))
    }
    expect(ownersByRefs(t.db, refs, 'stripe-eu', 'stripe').get('cus_1')?.customerId).toBe('c2')
    expect(ownersByRefs(t.db, refs, 'stripe-us', 'stripe').get('cus_1')).toEqual({
      customerId: 'c1',
      siteId: 'berlin',
      segment: 'gold',
    })
    expect(ownersByRefs(t.db, [], 'stripe-eu', 'stripe').size).toBe(0)
  })

  it('imports idempotently, counting changes in fields and refs', () => {
    const rows: CustomerInput[] = [
      {id: 'c1', site: 'berlin', segment: 'gold', name: 'Ada', email: 'ada@x.test', refs: {stripe: 'cus_1'}},
      {id: 'c2', site: 'tokyo', segment: 'silver', name: 'Bo', refs: {adyen: 'shopper-2', stripe: 'cus_2'}},
    ]
    expect(upsertCustomers(t.db, rows)).toMatchObject({inserted: 2, updated: 0, unchanged: 0})
    expect(upsertCustomers(t.db, rows)).toMatchObject({inserted: 0, updated: 0, unchanged: 2})

    const changed = upsertCustomers(t.db, [
      {...rows[0]!, refs: {stripe: 'cus_1', paypal: 'PP-1'}}, // a new ref only
      {...rows[1]!, email: 'bo@x.test'}, // a field only
      {id: 'c3', site: 'berlin', segment: null}, // new, minimal
    ])
    expect(changed.outcomes).toEqual(['updated', 'updated', 'inserted'])
    expect(getCustomer(t.db, 'c1')?.refs).toEqual({paypal: 'PP-1', stripe: 'cus_1'})
    // a later file without the ref columns keeps the refs (merge, not replace)
    expect(upsertCustomers(t.db, [{...rows[0]!, refs: {}}]).outcomes).toEqual(['unchanged'])
    expect(getCustomer(t.db, 'c1')?.refs).toEqual({paypal: 'PP-1', stripe: 'cus_1'})
    // changing a ref is an update and moves the lookup
    expect(upsertCustomers(t.db, [{...rows[0]!, refs: {stripe: 'cus_1b'}}]).outcomes).toEqual(['updated'])
    expect(findCustomerByRef(t.db, 'stripe', 'cus_1')).toBeNull()
    expect(findCustomerByRef(t.db, 'stripe', 'cus_1b')?.id).toBe('c1')
  })

  it('rejects unknown sites, reserved segments and refs owned by someone else, keeping the good rows', () => {
    upsertCustomers(t.db, [{id: 'c1', site: 'berlin', segment: 'gold', refs: {stripe: 'cus_1'}}])
    const result = upsertCustomers(t.db, [
      {id: 'c2', site: 'paris', segment: 'gold'},
      {id: 'c3', site: 'berlin', segment: 'gold', refs: {stripe: 'cus_1'}},
      {id: 'c4', site: 'berlin', segment: '*'},
      {id: 'c5', site: 'tokyo', segment: 'gold', refs: {stripe: 'cus_5'}},
    ])
    expect(result.rejected).toEqual([
      {index: 0, error: 'unknown site "paris"'},
      {index: 1, error: 'ref.stripe "cus_1" already belongs to customer "c1"'},
      {index: 2, error: expect.stringMatching(/CHECK constraint/)},
    ])
    expect(result.inserted).toBe(1)
    expect(listCustomers(t.db).map((c) => c.id)).toEqual(['c1', 'c5'])
    expect(findCustomerByRef(t.db, 'stripe', 'cus_5')?.site).toBe('tokyo')
  })

  it('lists with site and segment filters', () => {
    upsertCustomers(t.db, [
      {id: 'a', site: 'berlin', segment: 'gold'},
      {id: 'b', site: 'berlin', segment: 'silver'},
      {id: 'c', site: 'tokyo', segment: 'gold', refs: {square: 'SQ-C'}},
    ])
    expect(listCustomers(t.db, {site: 'berlin'}).map((c) => c.id)).toEqual(['a', 'b'])
    expect(listCustomers(t.db, {segment: 'gold'}).map((c) => c.id)).toEqual(['a', 'c'])
    expect(listCustomers(t.db, {site: 'tokyo', segment: 'gold'})).toMatchObject([{id: 'c', refs: {square: 'SQ-C'}}])
    expect(listCustomers(t.db, {limit: 1}).map((c) => c.id)).toEqual(['a'])
  })
})

describe('invoices repository', () => {
  beforeEach(() => {
    upsertCustomers(t.db, [{id: 'c1', site: 'berlin', segment: 'gold'}])
  })

  it('imports idempotently with exact integer amounts', () => {
    const inv = {
      id: 'i1',
      site: 'berlin',
      customer: 'c1',
      amountMinor: 12550,
      currency: 'EUR',
      issuedAt: '2024-05-01',
      dueAt: '2024-05-31',
    }
    expect(upsertInvoices(t.db, [inv]).outcomes).toEqual(['inserted'])
    expect(upsertInvoices(t.db, [inv]).outcomes).toEqual(['unchanged'])
    expect(upsertInvoices(t.db, [{...inv, amountMinor: 12551}]).outcomes).toEqual(['updated'])
    expect(getInvoice(t.db, 'i1')).toMatchObject({amountMinor: 12551, currency: 'EUR', dueAt: '2024-05-31'})
    expect(upsertInvoices(t.db, [{...inv, amountMinor: 12551, dueAt: null}]).outcomes).toEqual(['updated'])
  })

  it('rejects unknown customers and sites, fractional and negative amounts', () => {
    const base = {site: 'berlin', customer: 'c1', currency: 'EUR', issuedAt: '2024-05-01'}
    const result = upsertInvoices(t.db, [
      {...base, id: 'a', customer: 'nobody', amountMinor: 1},
      {...base, id: 'b', site: 'paris', amountMinor: 1},
      {...base, id: 'c', amountMinor: 12.5},
      {...base, id: 'd', amountMinor: -1},
      {...base, id: 'e', amountMinor: 100},
    ])
    expect(result.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3])
    expect(result.rejected[0]?.error).toBe('unknown customer "nobody"')
    expect(listInvoices(t.db).map((i) => i.id)).toEqual(['e'])
  })

  it('lists by site, customer and issue window', () => {
    const base = {site: 'berlin', customer: 'c1', currency: 'EUR', amountMinor: 100}
    upsertInvoices(t.db, [
      {...base, id: 'may', issuedAt: '2024-05-01'},
      {...base, id: 'jun', issuedAt: '2024-06-01'},
      {...base, id: 'jul', issuedAt: '2024-07-01'},
    ])
    expect(listInvoices(t.db, {from: '2024-06-01', to: '2024-07-01'}).map((i) => i.id)).toEqual(['jun'])
    expect(listInvoices(t.db, {site: 'tokyo'})).toEqual([])
    expect(listInvoices(t.db, {customer: 'c1'}).map((i) => i.id)).toEqual(['may', 'jun', 'jul'])
  })
})
