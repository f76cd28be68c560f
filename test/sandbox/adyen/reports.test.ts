import {parse} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'

import {parseMerchantReference} from '../../../src/gateways/adyen/reference.js'
import {createAdyenEmulator} from '../../../src/sandbox/adyen/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'

const DAY = 86_400_000
const scenario = generateScenario({
  seed: 5,
  customers: 25,
  transactions: 500,
  start: '2024-01-01T00:00:00.000Z',
  end: '2024-03-01T00:00:00.000Z',
  gateways: ['adyen'],
})
const clock = {now: () => Date.parse('2024-03-02T00:00:00.000Z')}
const emulator = createAdyenEmulator({scenario, share: 'own', clock})
const batches = (Date.parse(scenario.end) - Date.parse(scenario.start)) / DAY + 1

/** Adyen's default column order (docs/gateways.md#adyen-settlement-reports). */
const DEFAULT_ORDER = ['Company Account', 'Merchant Account', 'Psp Reference', 'Merchant Reference', 'Payment Method']

function download(n: number, headers: Record<string, string>) {
  return emulator.handle({
    method: 'GET',
    path: `/reports/download/MerchantAccount/${emulator.settings.merchant_account}/settlement_detail_report_batch_${n}.csv`,
    query: new URLSearchParams(),
    headers,
    rawBody: Buffer.alloc(0),
  }) as {status: number; body: string}
}

const asReportUser = {
  authorization: `Basic ${Buffer.from(`${emulator.settings.report_user}:${emulator.secrets.report_password}`).toString('base64')}`,
}
/** Every batch file as rows keyed by column name, read with a plain CSV parser (not the adapter). */
const files = Array.from({length: batches}, (_, i) => {
  const res = download(i + 1, asReportUser)
  expect(res.status).toBe(200)
  return parse(res.body, {columns: true}) as Record<string, string>[]
})
const rows = files.flat()
const header = Object.keys(rows[0]!)

describe("the sandbox's settlement details reports, as a merchant's account produces them", () => {
  it("has the account's own columns in its own order, with the shopper reference", () => {
    expect(header.slice(0, 5)).not.toEqual(DEFAULT_ORDER)
    expect(header).toEqual(expect.arrayContaining(['Shopper Reference', 'Booking Date', ...DEFAULT_ORDER]))
  })

  it("holds mostly payments of the merchant's own checkout, whose references name nobody yms-pay knows", () => {
    const settled = rows.filter((r) => r.Type === 'Settled')
    const ours = settled.filter((r) => parseMerchantReference(r['Merchant Reference']) !== null)
    expect(ours.length).toBeGreaterThan(0)
    expect(ours.length).toBeLessThan(settled.length / 2)
    expect(settled.every((r) => /^shopper-/.test(r['Shopper Reference']!))).toBe(true)
  })

  it("books the merchant's own movements: fees, invoice deductions, deposits, payouts and balance transfers", () => {
    const kinds = new Set(rows.filter((r) => r['Psp Reference'] === '').map((r) => `${r.Type}:${side(r)}`))
    expect([...kinds].sort()).toEqual([
      'Balancetransfer:credit',
      'Balancetransfer:debit',
      'DepositCorrection:credit',
      'DepositCorrection:debit',
      'Fee:debit',
      'InvoiceDeduction:debit',
      'MerchantPayout:debit',
    ])
    const notes = rows.filter((r) => r.Type === 'Balancetransfer').map((r) => r['Modification Merchant Reference'])
    expect(notes).toEqual(expect.arrayContaining([expect.stringMatching(/^Balancetransfer (to|from) batch \d+$/)]))
  })

  it('closes every batch but the last: what came in is paid out or carried, so each currency nets to zero', () => {
    for (const [index, file] of files.slice(0, -1).entries()) {
      const net = new Map<string, number>()
      for (const r of file) net.set(r['Net Currency']!, (net.get(r['Net Currency']!) ?? 0) + signedCents(r))
      for (const [currency, total] of net) expect(total, `batch ${index + 1} ${currency}`).toBe(0)
    }
  })

  it('reports the balance its files add up to: every net, and the costs (Commission, Fee, InvoiceDeduction)', () => {
    const net = new Map<string, number>()
    const fees = new Map<string, number>()
    const add = (m: Map<string, number>, currency: string, units: number) =>
      m.set(currency, (m.get(currency) ?? 0) + units)
    for (const r of rows) {
      const currency = r['Net Currency']!
      add(net, currency, signedCents(r))
      if (r.Type === 'Fee' || r.Type === 'InvoiceDeduction') add(fees, currency, -signedCents(r))
      if (r['Commission (NC)']) add(fees, currency, thousandths(r['Commission (NC)']))
    }
    // The files' amounts are decimal strings (thousandths here); the balance is in ISO minor units.
    const exponent: Record<string, number> = {EUR: 2, USD: 2, JPY: 0, KWD: 3}
    const balance = emulator.processorBalance!().map((b) => ({
      currency: b.currency,
      net: b.net * 10 ** (3 - exponent[b.currency]!),
      fees: b.fees * 10 ** (3 - exponent[b.currency]!),
    }))
    expect(balance.map((b) => b.currency)).toEqual([...net.keys()].sort())
    for (const b of balance)
      expect(b).toEqual({currency: b.currency, net: net.get(b.currency), fees: fees.get(b.currency)})
    expect(balance.every((b) => b.fees > 0)).toBe(true)
  })

  it("serves Adyen's default layout, without the shopper reference, to an account that added no columns", () => {
    const plain = createAdyenEmulator({scenario, share: 'own', clock, reportColumns: 'default'})
    const res = plain.handle({
      method: 'GET',
      path: `/reports/download/MerchantAccount/${plain.settings.merchant_account}/settlement_detail_report_batch_2.csv`,
      query: new URLSearchParams(),
      headers: asReportUser,
      rawBody: Buffer.alloc(0),
    }) as {status: number; body: string}
    expect(res.status).toBe(200)
    const first = res.body.split('\n')[0]!.split(',')
    expect(first.slice(0, 5)).toEqual(DEFAULT_ORDER)
    expect(first).not.toContain('Shopper Reference')
    expect(parse(res.body, {columns: true})).toHaveLength(files[1]!.length)
  })

  it('lets only the report user download reports: the Checkout key has no report role', () => {
    expect(download(1, {'x-api-key': emulator.secrets.report_api_key!}).status).toBe(200)
    expect(download(1, {'x-api-key': emulator.secrets.api_key!}).status).toBe(403)
    expect(download(1, {'x-api-key': 'AQE_nobody'}).status).toBe(401)
  })
})

function side(r: Record<string, string>): 'debit' | 'credit' {
  return r['Net Debit (NC)'] !== '' ? 'debit' : 'credit'
}

/** The Net column as an integer of its smallest decimal step (the parser-independent reading of a decimal string). */
function signedCents(r: Record<string, string>): number {
  const units = thousandths(r['Net Debit (NC)'] || r['Net Credit (NC)']!)
  return side(r) === 'debit' ? -units : units
}

/** A positive decimal string in thousandths of its unit. */
function thousandths(text: string): number {
  const [whole, fraction = ''] = text.split('.')
  return Number(whole) * 1000 + Number(fraction.padEnd(3, '0'))
}
