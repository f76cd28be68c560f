import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {ConfigError} from '../../../src/core/errors.js'
import {paymentParties} from '../../../src/gateways/adyen/reference.js'
import {parseSettlementReport} from '../../../src/gateways/adyen/report.js'
import {reportColumns} from '../../../src/gateways/adyen/report-columns.js'
import type {AdyenSettings} from '../../../src/gateways/adyen/schema.js'

// A merchant account's own report layout (test/fixtures/adyen/README.md): most payments from its own checkout.
const csv = readFileSync(new URL('../../fixtures/adyen/sdr-account-layout.csv', import.meta.url), 'utf8')
const read = (settings: Pick<AdyenSettings, 'customer_column' | 'invoice_column'>) =>
  parseSettlementReport(
    {provider: 'adyen-eu', merchantAccount: 'TestMerchant', columns: reportColumns(settings)},
    csv,
    {file: 'settlement_detail_report_batch_57.csv', batch: 57},
  )

describe("the report's customer and invoice columns", () => {
  it('reads the customer from the Shopper Reference column by default, whatever the order of the columns', () => {
    const {items, invalid} = read({})
    expect(invalid).toEqual([])
    expect(items.map((i) => [i.txn.type, i.txn.externalId, i.txn.customerRef, i.txn.invoiceRef])).toEqual([
      ['payment', '8815000000000101', 'shopper-c000007', null], // the checkout's own reference names nobody
      ['payment', '8815000000000201', 'shopper-c000008', 'inv-000031'], // made by yms-pay: its reference names both
      ['payment', '8815000000000301', 'shopper-c000009', null], // "2024:05:0031" only looks like yms-pay's form
      ['payment', '8815000000000401', null, null], // no shopper reference: the webhook or quarantine decides
      ['refund', '8815000000000103', null, null], // a refund's customer is its payment's
      ['fee', 'batch-57-line-7', null, null],
    ])
    expect(items[0]!.txn).toMatchObject({amount: {minor: 12_000}, fee: {minor: 240}, net: {minor: 11_760}})
    expect(items[0]!.txn.metadata).toMatchObject({
      merchantReference: 'INV-2024-0042',
      bookingDate: '2024-07-03 06:00:00',
    })
  })

  it("takes the invoice of the checkout's payments from invoice_column; yms-pay's own references still win", () => {
    const {items} = read({invoice_column: 'Merchant Reference'})
    expect(items.filter((i) => i.txn.type === 'payment').map((i) => i.txn.invoiceRef)).toEqual([
      'INV-2024-0042',
      'inv-000031',
      '2024:05:0031',
      'web-order-5521',
    ])
  })

  it('reads the customer from the column the admin names', () => {
    const {items} = read({customer_column: 'Merchant Reference'})
    expect(items[0]!.txn.customerRef).toBe('INV-2024-0042')
  })

  it('refuses a report without a column the admin named, naming the column, the setting and the columns there are', () => {
    const error = (() => {
      try {
        read({customer_column: 'Shopper Ref', invoice_column: 'Invoice'})
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toMatch(
      /batch_57\.csv has no column "Shopper Ref" \(customer_column\), "Invoice" \(invoice_column\); its columns: Merchant Account, /,
    )
    expect((error as ConfigError).hint).toMatch(/providers update/)
  })

  it('a webhook names the customer the same way: the shopper reference wins over a reference that only looks like ours', () => {
    expect(paymentParties('shopper-c000009', '2024:05:0031')).toEqual({
      customerRef: 'shopper-c000009',
      invoiceRef: null,
      ownReference: false,
    })
    expect(paymentParties(null, 'shopper-c1:inv-1:p1')).toEqual({
      customerRef: 'shopper-c1',
      invoiceRef: 'inv-1',
      ownReference: true,
    })
    expect(paymentParties('shopper-c1', 'shopper-c1::p1')).toMatchObject({
      customerRef: 'shopper-c1',
      ownReference: true,
    })
  })
})
