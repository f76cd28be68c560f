import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {run, tempHome} from './helpers.js'
import {Conversion, ErrorJson, FxImport, FxList, FxRate} from './shapes.js'

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/fx/${name}`, import.meta.url))
const today = () => new Date().toISOString().slice(0, 10)

describe('fx set / import / list / convert', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  const rates = async (flags: string[]) =>
    FxList.parse((await run(['fx', 'list', ...flags, '--json'], {home})).json()).rates

  beforeAll(async () => {
    // The ECB daily file: 30 rates against EUR on 2024-06-28 (USD 1.0705, JPY 171.94, ...).
    const r = await run(['fx', 'import', fixture('eurofxref-daily.xml'), '--json'], {home})
    expect(r.exitCode, r.stdout).toBe(0)
    expect(FxImport.parse(r.json())).toEqual({source: 'ecb', imported: 30, unchanged: 0, dates: 1, rejected: []})
  })

  it('fx import of the same file again imports nothing new', async () => {
    const r = await run(['fx', 'import', fixture('eurofxref-daily.xml'), '--json'], {home})
    expect(FxImport.parse(r.json())).toEqual({source: 'ecb', imported: 0, unchanged: 30, dates: 1, rejected: []})
  })

  it('fx import of a CSV names each bad line and exits 4; its good rows land', async () => {
    const r = await run(['fx', 'import', fixture('rates-with-bad-row.csv'), '--json'], {home})
    expect(r.exitCode).toBe(4)
    const result = FxImport.parse(r.json())
    expect(result.source).toBe('csv')
    // 1.0e-1 is no decimal, 2024-02-30 no date, XYZ no currency, 0 no rate, a short row, a conflicting duplicate.
    expect(result.rejected.map((x) => x.line)).toEqual([4, 6, 7, 8, 9, 12])
    expect(await rates(['--base', 'EUR', '--quote', 'USD'])).toContainEqual({
      date: '2024-06-26',
      base: 'EUR',
      quote: 'USD',
      rate: '1.0696',
    })
  })

  it('fx set maps BASE QUOTE RATE and --date onto the stored rate (codes upper-cased); without --date it is today', async () => {
    const dated = await run(['fx', 'set', 'eur', 'usd', '1.0823', '--date', '2026-11-25', '--json'], {home})
    expect(dated.exitCode).toBe(0)
    expect(FxRate.parse(dated.json())).toEqual({date: '2026-11-25', base: 'EUR', quote: 'USD', rate: '1.0823'})
    const undated = await run(['fx', 'set', 'GBP', 'CHF', '1.12', '--json'], {home})
    expect(FxRate.parse(undated.json())).toEqual({date: today(), base: 'GBP', quote: 'CHF', rate: '1.12'})
  })

  it.each([
    [
      ['--base', 'EUR', '--quote', 'USD'],
      [
        '2026-11-25 EUR/USD 1.0823',
        '2024-06-28 EUR/USD 1.0705',
        '2024-06-27 EUR/USD 1.0713',
        '2024-06-26 EUR/USD 1.0696',
      ],
    ],
    [['--base', 'EUR', '--quote', 'USD', '--limit', '1'], ['2026-11-25 EUR/USD 1.0823']],
    [
      ['--quote', 'JPY'],
      ['2024-06-28 EUR/JPY 171.94', '2024-06-28 USD/JPY 160.61'],
    ],
    [['--base', 'GBP'], [`${today()} GBP/CHF 1.12`]],
  ])('fx list %j, latest first', async (flags, expected) => {
    expect((await rates(flags)).map((r) => `${r.date} ${r.base}/${r.quote} ${r.rate}`)).toEqual(expected)
  })

  // fx set stored "eur" as EUR while fx list compared --base/--quote verbatim: every currency argument is read the
  // same way now (upper-cased, an ISO 4217 code, or exit 2 naming the argument).
  it('fx list --base takes a currency code as fx set does, in any case', async () => {
    expect(await rates(['--base', 'eur', '--quote', 'usd', '--limit', '1'])).toEqual([
      {date: '2026-11-25', base: 'EUR', quote: 'USD', rate: '1.0823'},
    ])
  })

  it('fx convert reads FROM and TO in any case too', async () => {
    const r = await run(['fx', 'convert', '100', 'eur', 'usd', '--date', '2026-11-25', '--json'], {home})
    expect(Conversion.parse(r.json())).toMatchObject({from: {currency: 'EUR'}, to: {minor: 10823, currency: 'USD'}})
  })

  it.each([
    [['fx', 'list', '--base', 'XYZ'], '--base: currency "XYZ" is not an ISO 4217 code'],
    [['fx', 'list', '--quote', 'dollars'], '--quote: currency "dollars" is not an ISO 4217 code'],
    [['fx', 'set', 'EUX', 'USD', '1.1'], 'BASE: currency "EUX" is not an ISO 4217 code'],
    [['fx', 'set', 'EUR', 'XAU', '1.1'], 'QUOTE: currency XAU has no minor unit in ISO 4217 and is not supported'],
    [['fx', 'convert', '1', 'ABC', 'EUR'], 'FROM: currency "ABC" is not an ISO 4217 code'],
    [['fx', 'convert', '1', 'USD', 'ABC'], 'TO: currency "ABC" is not an ISO 4217 code'],
  ])('%j exits 2 naming the currency argument', async (args, message) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toBe(message)
  })

  it('fx convert goes through EUR when no direct rate exists, rounding to the target exponent', async () => {
    const r = await run(['fx', 'convert', '125.50', 'GBP', 'JPY', '--date', '2024-06-28', '--json'], {home})
    expect(r.exitCode).toBe(0)
    // 125.50 GBP / 0.84638 (EUR/GBP) x 171.94 (EUR/JPY) = 25495.014... JPY, which has no minor unit.
    expect(Conversion.parse(r.json())).toMatchObject({
      from: {minor: 12550, currency: 'GBP'},
      to: {minor: 25495, currency: 'JPY'},
      rateDate: '2024-06-28',
      path: ['GBP', 'EUR', 'JPY'],
    })
  })

  it('fx convert --date picks the rate in force on that day', async () => {
    const convert = async (date: string) =>
      Conversion.parse((await run(['fx', 'convert', '100', 'EUR', 'USD', '--date', date, '--json'], {home})).json())
    expect(await convert('2026-11-25')).toMatchObject({
      to: {minor: 10823, currency: 'USD'},
      rate: '1.0823000000',
      rateDate: '2026-11-25',
      path: ['EUR', 'USD'],
    })
    expect(await convert('2026-11-24')).toMatchObject({to: {minor: 10705, currency: 'USD'}, rateDate: '2024-06-28'})
    expect(await convert('2024-06-27')).toMatchObject({to: {minor: 10713, currency: 'USD'}, rateDate: '2024-06-27'})
  })

  it('fx convert of an amount too large to hold names it in major units, not as minor units labelled dollars', async () => {
    const r = await run(['fx', 'convert', '90071992547409.91', 'USD', 'JPY', '--date', '2024-06-28', '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toBe(
      '90071992547409.91 USD converted to JPY is more than the largest amount held exactly (9007199254740991 JPY)',
    )
    const table = await run(['fx', 'convert', '1234.5', 'USD', 'GBP', '--date', '2024-06-28'], {home})
    expect(table.stdout).toMatch(/^1234\.50 USD = \d+\.\d{2} GBP /)
  })

  it('fx convert with no rate on or before the date exits 78 and says how to add one', async () => {
    const r = await run(['fx', 'convert', '100', 'EUR', 'USD', '--date', '2020-01-01', '--json'], {home})
    expect(r.exitCode).toBe(78)
    expect(ErrorJson.parse(r.json()).error).toMatchObject({
      code: 'fx_rate_missing',
      hint: expect.stringMatching(/fx import|fx set/),
    })
  })

  it.each([
    [['fx', 'set', 'EUR', 'EUR', '1'], /differ/],
    [['fx', 'set', 'EUR', 'USD', 'abc'], /rate "abc"/],
    [['fx', 'set', 'EUR', 'USD', '1.1', '--date', '25.11.2026'], /--date/],
    [['fx', 'set', 'EUX', 'USD', '1.1'], /EUX/],
    [['fx', 'set', 'EUR', 'USD'], /rate/i],
    [['fx', 'convert', '12.345', 'USD', 'EUR'], /12\.345/],
    [['fx', 'convert', '1', 'USD', 'ABC'], /ABC/],
    [['fx', 'convert', '1', 'USD', 'EUR', '--date', 'tomorrow'], /--date/],
    [['fx', 'convert', '1', 'USD'], /to/i],
    [['fx', 'list', '--limit', '0'], /--limit/],
    [['fx', 'import'], /file/i],
    [['fx', 'import', '/nonexistent/rates.xml'], /cannot read/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })
})
