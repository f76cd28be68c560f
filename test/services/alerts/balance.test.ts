import {afterEach, describe, expect, it} from 'vitest'

import {customerBalance} from '../../../src/services/alerts/balance.js'
import {convertAt, setRate} from '../../../src/services/fx.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {insertPostings} from '../../../src/store/repos/ledger.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {alertsHome} from './helpers.js'

let h: ReturnType<typeof alertsHome> | undefined
afterEach(() => {
  h?.cleanup()
  h = undefined
})

describe("a balance_changed alert's balance", () => {
  it("is per currency, and in the site's base currency through the fx rates `customers show` uses", () => {
    h = alertsHome()
    const {db, ctx} = h
    db.write(() => {
      upsertSites(db, [{id: 'berlin', name: 'Berlin', currency: 'EUR'}])
      upsertCustomers(db, [{id: 'c1', site: 'berlin'}])
      const meta = {provider: null, site: 'berlin', customer: 'c1'}
      insertPostings(
        db,
        {document: 'invoice:e'},
        1,
        [
          {account: 'customer:c1', currency: 'EUR', minor: 1000},
          {account: 'revenue:berlin', currency: 'EUR', minor: -1000},
        ],
        meta,
      )
      insertPostings(
        db,
        {document: 'invoice:u'},
        1,
        [
          {account: 'customer:c1', currency: 'USD', minor: 500},
          {account: 'revenue:berlin', currency: 'USD', minor: -500},
        ],
        meta,
      )
    })
    const at = '2026-03-02T10:00:00.000Z'
    expect(customerBalance(db, 'c1', 'berlin', at)).toEqual({
      balances: [
        {currency: 'EUR', minor: 1000, amount: '10.00'},
        {currency: 'USD', minor: 500, amount: '5.00'},
      ],
      inBase: null,
      baseError: expect.stringContaining('no exchange rate from USD to EUR'),
      rateDate: '2026-03-02',
    })
    // 1 EUR = 1.25 USD: 5.00 USD is 4.00 EUR. A rate dated after the alert is not used.
    setRate(db, ctx, {base: 'EUR', quote: 'USD', rate: '1.25', date: '2026-03-01'})
    setRate(db, ctx, {base: 'EUR', quote: 'USD', rate: '2', date: '2026-03-03'})
    expect(customerBalance(db, 'c1', 'berlin', at)).toMatchObject({
      inBase: {currency: 'EUR', minor: 1400, amount: '14.00'},
      baseError: null,
    })
    // The same figure as convertAt, which `customers show` uses.
    const viaConvertAt = 1000 + convertAt(db, {minor: 500, currency: 'USD'}, 'EUR', at.slice(0, 10)).to.minor
    expect(customerBalance(db, 'c1', 'berlin', at).inBase?.minor).toBe(viaConvertAt)
  })
})
