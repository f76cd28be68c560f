import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {parseSettlementReport, type ReportContext} from '../../../src/gateways/adyen/report.js'
import {reportColumns} from '../../../src/gateways/adyen/report-columns.js'
import {wallClockToEpochMs} from '../../../src/gateways/adyen/timezone.js'

const ctx: ReportContext = {provider: 'adyen-eu', merchantAccount: 'TestMerchant', columns: reportColumns({})}
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/adyen/${name}`, import.meta.url), 'utf8')

describe('settlement detail report parsing', () => {
  it('reads the two official sample rows', () => {
    const {items, invalid} = parseSettlementReport(ctx, fixture('sdr-official-sample.csv'), {
      file: 'batch_1.csv',
      batch: 1,
    })
    expect(invalid).toEqual([])
    expect(items).toHaveLength(2)
    const [settled, chargeback] = items.map((i) => i.txn)
    expect(settled).toMatchObject({
      id: 'adyen-eu:1813702551707653',
      externalId: '1813702551707653',
      parentExternalId: null,
      type: 'payment',
      status: 'succeeded',
      amount: {minor: 500, currency: 'GBP'},
      net: {minor: 488, currency: 'GBP'},
      fee: {minor: 12, currency: 'GBP'}, // 0.04 + 0.01 + 0.07
      customerRef: null, // "3vpzf7" is not in yms-pay's reference format
      occurredAt: '2013-06-03T10:26:49Z', // CET = +01:00 as labelled
    })
    expect(settled!.metadata).toMatchObject({
      merchantReference: '3vpzf7',
      modificationReference: '1713702551795048',
      direction: 'credit',
    })
    expect(chargeback).toMatchObject({
      externalId: '2313642467170922',
      parentExternalId: '1313642467023511',
      type: 'dispute',
      status: 'disputed',
      amount: {minor: 34_999, currency: 'EUR'},
      net: {minor: 35_749, currency: 'EUR'},
      fee: {minor: 750, currency: 'EUR'},
      occurredAt: '2013-03-26T21:37:26Z',
    })
  })

  it('matches columns by name (extra Booking Date), keeps good rows and quarantines bad ones with their line', () => {
    const {items, invalid, skipped} = parseSettlementReport(ctx, fixture('sdr-booking-date-bad-row.csv'), {
      file: 'batch_7.csv',
      batch: 7,
    })
    expect(items.map((i) => i.txn.externalId)).toEqual(['8800000000000001', '7700000000000003', '8800000000000005'])
    const [first, refund, yen] = items.map((i) => i.txn)
    expect(first).toMatchObject({
      amount: {minor: 1234, currency: 'EUR'},
      fee: {minor: 44, currency: 'EUR'},
      customerRef: 'shopper-c1',
      invoiceRef: 'inv-1',
      occurredAt: '2024-01-15T09:00:00Z',
    })
    expect(first!.metadata.bookingDate).toBe('2024-01-15')
    expect(refund).toMatchObject({
      type: 'refund',
      parentExternalId: '8800000000000003',
      amount: {minor: 2000, currency: 'USD'},
      occurredAt: '2024-07-15T08:00:00Z',
      fee: null,
    })
    expect(yen).toMatchObject({amount: {minor: 1500, currency: 'JPY'}, occurredAt: '2024-07-16T00:30:00Z'})
    expect(invalid.map((q) => [q.reason, q.externalId])).toEqual([['invalid_payload', '5500000000000002']])
    expect(invalid[0]!.detail).toMatch(/line 3: .*Gross Credit \(GC\)/)
    // A journal type Adyen does not document is counted and visible, not an unreplayable quarantine item.
    expect(skipped).toEqual([{externalId: 'batch-7-line-5', code: 'Mystery', reason: 'unknown_code'}])
  })

  it('survives a broken CSV quote in the middle', () => {
    const lines = fixture('sdr-official-sample.csv').trimEnd().split('\n')
    const broken = [lines[0], lines[1], 'Co,Shop,"88"00,x', lines[2]].join('\n')
    const {items, invalid} = parseSettlementReport(ctx, broken, {file: 'b.csv', batch: 1})
    expect(items.map((i) => i.txn.type)).toEqual(['payment', 'dispute'])
    expect(invalid).toHaveLength(1)
    expect(invalid[0]!.detail).toMatch(/^b\.csv line 3:/)
  })

  it('quarantines a file missing required columns as a whole', () => {
    const {items, invalid} = parseSettlementReport(ctx, 'Psp Reference,Type\n1,Settled\n', {file: 'x.csv', batch: 1})
    expect(items).toEqual([])
    expect(invalid[0]!.detail).toMatch(/missing column\(s\) Merchant Reference/)
  })

  it('quarantines a direction that contradicts the record type and an unknown currency', () => {
    const header = fixture('sdr-official-sample.csv').split('\n')[0]
    const debitSettled = 'C,M,1,r,visa,2020-01-01 00:00:00,UTC,Settled,2,EUR,5.00,,1,EUR,5.00,,,,,,v,,,,,,,,,'
    const badCurrency = 'C,M,3,r,visa,2020-01-01 00:00:00,UTC,Settled,4,XYZ,,5.00,1,XYZ,,5.00,,,,,v,,,,,,,,,'
    const {items, invalid} = parseSettlementReport(ctx, [header, debitSettled, badCurrency].join('\n'), {
      file: 'd.csv',
      batch: 1,
    })
    expect(items).toEqual([])
    expect(invalid.map((q) => q.reason)).toEqual(['invalid_payload', 'unsupported_currency'])
    expect(invalid[0]!.detail).toMatch(/line 2: Settled row is a debit/)
  })

  it('uses Adyen exponents: CLP/ISK with 2 decimals, IDR/CVE whole units', () => {
    const header = fixture('sdr-official-sample.csv').split('\n')[0]
    const row = (psp: string, cur: string, gross: string) =>
      `C,M,${psp},r,visa,2020-01-01 00:00:00,UTC,Settled,m${psp},${cur},,${gross},1,${cur},,${gross},,,,,v,,,,,,,,,`
    const csv = [
      header,
      row('1', 'CLP', '1500.00'),
      row('2', 'ISK', '990.00'),
      row('3', 'IDR', '150000'),
      row('4', 'CVE', '250'),
      row('5', 'IDR', '1.50'),
      row('6', 'CLP', '1500.50'),
    ].join('\n')
    const {items, invalid} = parseSettlementReport(ctx, csv, {file: 'e.csv', batch: 1})
    expect(items.map((i) => i.txn.amount)).toEqual([
      {minor: 1500, currency: 'CLP'},
      {minor: 990, currency: 'ISK'},
      {minor: 15_000_000, currency: 'IDR'},
      {minor: 25_000, currency: 'CVE'},
    ])
    // IDR has no decimals at Adyen; CLP 1500.50 is not a whole peso.
    expect(invalid.map((q) => q.externalId)).toEqual(['m5', 'm6'])
  })
})

describe('report time zones', () => {
  it('converts fixed abbreviations exactly and IANA names with their DST', () => {
    expect(new Date(wallClockToEpochMs('2024-01-15 10:00:00', 'CET')!).toISOString()).toBe('2024-01-15T09:00:00.000Z')
    expect(new Date(wallClockToEpochMs('2024-07-15 10:00:00', 'CEST')!).toISOString()).toBe('2024-07-15T08:00:00.000Z')
    expect(new Date(wallClockToEpochMs('2024-07-15 10:00:00', 'GMT')!).toISOString()).toBe('2024-07-15T10:00:00.000Z')
    expect(new Date(wallClockToEpochMs('2024-07-15 10:00:00', 'UTC')!).toISOString()).toBe('2024-07-15T10:00:00.000Z')
    expect(new Date(wallClockToEpochMs('2024-07-15 10:00:00', 'Europe/Amsterdam')!).toISOString()).toBe(
      '2024-07-15T08:00:00.000Z',
    )
    expect(new Date(wallClockToEpochMs('2024-01-15 10:00:00', 'Europe/Amsterdam')!).toISOString()).toBe(
      '2024-01-15T09:00:00.000Z',
    )
    expect(new Date(wallClockToEpochMs('2024-03-31 12:00:00', 'America/New_York')!).toISOString()).toBe(
      '2024-03-31T16:00:00.000Z',
    )
    // The hour after the spring change (Amsterdam 2024-03-31 01:00 UTC).
    expect(new Date(wallClockToEpochMs('2024-03-31 03:30:00', 'Europe/Amsterdam')!).toISOString()).toBe(
      '2024-03-31T01:30:00.000Z',
    )
    expect(wallClockToEpochMs('2024-02-30 10:00:00', 'CET')).toBeNull()
    expect(wallClockToEpochMs('2024-02-01 10:00:00', 'Mars/Olympus')).toBeNull()
  })
})
