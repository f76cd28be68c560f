import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {JOURNAL_TYPES} from '../../../src/gateways/adyen/journal-types.js'
import {parseSettlementReport, type ReportContext} from '../../../src/gateways/adyen/report.js'
import {reportColumns} from '../../../src/gateways/adyen/report-columns.js'

// Fixtures and their sources: test/fixtures/adyen/README.md.
const ctx: ReportContext = {provider: 'adyen-eu', merchantAccount: 'TestMerchant', columns: reportColumns({})}
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/adyen/${name}`, import.meta.url), 'utf8')
const parse = (name: string, batch: number) => parseSettlementReport(ctx, fixture(name), {file: name, batch})

type Expected = Pick<NormalizedTxn, 'type' | 'status'> & {minor: number; currency: string; id?: string; parent?: string}

/**
 * What each documented journal type must become, written from Adyen's descriptions (the fixture README), not
 * from the adapter's table: customer rows keep their positive gross amount; merchant-level rows are signed from
 * the merchant's side (issue 15's convention): fee > 0 charged, payout > 0 paid out, adjustment > 0 credited.
 */
const EXPECTED: Record<string, Expected> = {
  Settled: {type: 'payment', status: 'succeeded', minor: 500, currency: 'GBP', id: '1813702551707653'},
  Chargeback: {
    type: 'dispute',
    status: 'disputed',
    minor: 34_999,
    currency: 'EUR',
    id: '2313642467170922',
    parent: '1313642467023511',
  },
  Refunded: {
    type: 'refund',
    status: 'succeeded',
    minor: 200,
    currency: 'GBP',
    id: '1913702551800001',
    parent: '1813702551707653',
  },
  RefundedReversed: {type: 'refund', status: 'failed', minor: 200, currency: 'GBP', id: '1913702551800001'},
  ChargebackReversed: {type: 'dispute', status: 'won', minor: 34_999, currency: 'EUR', id: '2313642467170922'},
  SecondChargeback: {type: 'dispute', status: 'lost', minor: 34_999, currency: 'EUR', id: '2313642467170923'},
  Fee: {type: 'fee', status: 'succeeded', minor: 75, currency: 'GBP', id: 'batch-9-line-8'},
  MiscCosts: {type: 'fee', status: 'succeeded', minor: 10, currency: 'GBP'},
  AuthorisationSchemeFee: {type: 'fee', status: 'succeeded', minor: 2, currency: 'GBP', parent: '1813702551707653'},
  PaymentCost: {type: 'fee', status: 'succeeded', minor: 150, currency: 'GBP', parent: '1813702551707653'},
  InvoiceDeduction: {type: 'fee', status: 'succeeded', minor: -320, currency: 'GBP'}, // credited: a fee returned
  DepositCorrection: {type: 'adjustment', status: 'succeeded', minor: -7893, currency: 'EUR'}, // deposit withheld
  MatchedStatement: {type: 'adjustment', status: 'succeeded', minor: 10_000, currency: 'GBP'},
  ManualCorrected: {type: 'adjustment', status: 'succeeded', minor: -50, currency: 'GBP'},
  InternalCompanyPayout: {type: 'adjustment', status: 'succeeded', minor: -2000, currency: 'GBP'},
  PaidOut: {type: 'adjustment', status: 'succeeded', minor: -4000, currency: 'GBP', parent: '8813702551700001'},
  PaidOutReversed: {type: 'adjustment', status: 'succeeded', minor: 4000, currency: 'GBP'},
  EpaPaid: {type: 'adjustment', status: 'succeeded', minor: -500, currency: 'GBP'},
  Balancetransfer: {type: 'adjustment', status: 'succeeded', minor: -419, currency: 'GBP', id: 'batch-9-line-20'},
  BankInstructionReturned: {type: 'payout', status: 'succeeded', minor: -6100, currency: 'GBP'}, // payout returned
  MerchantPayout: {type: 'payout', status: 'succeeded', minor: 6100, currency: 'GBP', id: 'batch-9-line-22'},
}

describe('every journal type Adyen documents for the settlement details report', () => {
  const {items, invalid, skipped} = parse('sdr-journal-types.csv', 9)
  const byType = new Map(items.map((i) => [i.txn.metadata.recordType!, i.txn]))

  it('has a treatment, and a row in the fixture that exercises it', () => {
    expect(invalid).toEqual([])
    expect(Object.keys(JOURNAL_TYPES).sort()).toEqual(Object.keys(EXPECTED).sort())
    expect([...byType.keys()].sort()).toEqual(Object.keys(EXPECTED).sort())
  })

  it.each(Object.entries(EXPECTED))('%s', (recordType, want) => {
    const txn = byType.get(recordType)!
    expect(txn).toMatchObject({
      type: want.type,
      status: want.status,
      amount: {minor: want.minor, currency: want.currency},
    })
    if (want.id) expect(txn.externalId).toBe(want.id)
    if (want.parent) expect(txn.parentExternalId).toBe(want.parent)
    if (!['payment', 'refund', 'dispute'].includes(want.type)) {
      // Merchant-level: nobody's customer, no site, named by Adyen's own journal type.
      expect(txn).toMatchObject({customerRef: null, siteRef: null, metadata: {yms_booking: recordType}})
      expect(txn.externalId).toMatch(/^batch-9-line-\d+$/)
    }
  })

  it("keeps the chargeback fee Adyen booked with the sample row, and a balance transfer's batch note", () => {
    expect(byType.get('Chargeback')!.fee).toEqual({minor: 750, currency: 'EUR'})
    expect(byType.get('Balancetransfer')!.metadata.modificationMerchantReference).toBe('Balancetransfer to batch 124')
  })

  it('skips and counts a journal type this report does not document (a type of the external report)', () => {
    expect(skipped).toEqual([
      {externalId: 'batch-9-line-23', code: 'SettledExternallyWithInfo', reason: 'unknown_code'},
    ])
  })
})

describe("a row's identity includes its batch and line", () => {
  it("keeps both legs of a balance transfer and each batch's monthly fee row apart", () => {
    const first = parse('sdr-balance-transfer-batch-123.csv', 123)
    const second = parse('sdr-balance-transfer-batch-124.csv', 124)
    const txns = [...first.items, ...second.items].map((i) => i.txn)
    expect(txns.map((t) => [t.externalId, t.metadata.modificationReference, t.type, t.amount.minor])).toEqual([
      ['batch-123-line-2', 'Transaction Fees', 'fee', 75],
      ['batch-123-line-3', 'Balancetransfer', 'adjustment', -419],
      ['batch-124-line-2', 'Balancetransfer', 'adjustment', 419],
      ['batch-124-line-3', 'Transaction Fees', 'fee', 80],
    ])
    // The two legs cancel out: the balance only moved between batches.
    expect(txns.filter((t) => t.type === 'adjustment').reduce((sum, t) => sum + t.amount.minor, 0)).toBe(0)
  })

  it('keeps two rows of one batch with the same Modification Reference apart, and a zero never turns -0', () => {
    const lines = fixture('sdr-balance-transfer-batch-123.csv').trimEnd().split('\n')
    const zero = lines[2]!.replace(',4.19,', ',0.00,')
    const {items} = parseSettlementReport(ctx, [lines[0], lines[1], lines[1], zero].join('\n'), {
      file: 'f.csv',
      batch: 5,
    })
    expect(items.map((i) => i.txn.externalId)).toEqual(['batch-5-line-2', 'batch-5-line-3', 'batch-5-line-4'])
    expect(Object.is(items[2]!.txn.amount.minor, 0)).toBe(true)
  })
})
