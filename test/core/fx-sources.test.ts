import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {convertMoney, type FxRate, resolveRate} from '../../src/core/fx.js'
import {parseEcbXml, parseFxCsv} from '../../src/core/fx-sources.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/fx/${name}`, import.meta.url), 'utf8')

const ENVELOPE_HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
`
const ENVELOPE_TAIL = `\t</Cube>
</gesmes:Envelope>
`

describe('parseEcbXml', () => {
  it('reads the daily file: every rate against EUR, strings kept exactly', () => {
    const {rates, errors} = parseEcbXml(fixture('eurofxref-daily.xml'))
    expect(errors).toEqual([])
    expect(rates).toHaveLength(30)
    expect(rates.every((r) => r.base === 'EUR' && r.date === '2024-06-28')).toBe(true)
    expect(rates.find((r) => r.quote === 'USD')?.rate).toBe('1.0705')
    expect(rates.find((r) => r.quote === 'HUF')?.rate).toBe('395.10') // not the float 395.1
    expect(rates.find((r) => r.quote === 'IDR')?.rate).toBe('17487.11')
    expect(new Set(rates.map((r) => r.quote)).size).toBe(30)
  })

  it('reads the history layout (many time Cubes) and feeds resolveRate', () => {
    const {rates, errors} = parseEcbXml(fixture('eurofxref-hist-3d.xml'))
    expect(errors).toEqual([])
    expect(rates).toHaveLength(18)
    expect([...new Set(rates.map((r) => r.date))]).toEqual(['2024-06-28', '2024-06-27', '2024-06-26'])
    expect(rates.find((r) => r.date === '2024-06-27' && r.quote === 'GBP')?.rate).toBe('0.84665')
    const lookup = (base: string, quote: string, on: string): FxRate | undefined =>
      rates
        .filter((r) => r.base === base && r.quote === quote && r.date <= on)
        .sort((a, b) => b.date.localeCompare(a.date))[0]
    const usdGbp = resolveRate('USD', 'GBP', '2024-06-27', lookup)
    expect(usdGbp?.path).toEqual(['USD', 'EUR', 'GBP'])
    // 100.00 USD * 0.84665 / 1.0713 = 79.0301... GBP
    expect(convertMoney({minor: 10000, currency: 'USD'}, 'GBP', usdGbp!.rate)).toEqual({minor: 7903, currency: 'GBP'})
  })

  it('reports bad entries with their line and keeps the good ones', () => {
    const xml =
      ENVELOPE_HEAD + // lines 1-7
      "\t\t<Cube time='2024-06-28'>\n" + // 8
      "\t\t\t<Cube currency='USD' rate='1.0705'/>\n" + // 9
      "\t\t\t<Cube currency='JPY' rate='abc'/>\n" + // 10
      "\t\t\t<Cube currency='GBP' rate='-0.84'/>\n" + // 11
      "\t\t\t<Cube currency='CHF'/>\n" + // 12
      "\t\t\t<Cube currency='HRK' rate='7.5345'/>\n" + // 13
      "\t\t\t<Cube currency='USD' rate='1.0800'/>\n" + // 14
      '\t\t</Cube>\n' + // 15
      "\t\t<Cube time='2024-13-01'>\n" + // 16
      "\t\t\t<Cube currency='USD' rate='1.0705'/>\n" + // 17
      '\t\t</Cube>\n' + // 18
      "\t\t<Cube time='2022-12-30'>\n" + // 19
      "\t\t\t<Cube currency='HRK' rate='7.5365'/>\n" + // 20
      "\t\t\t<Cube currency='ISK' rate='151.50'/>\n" + // 21
      '\t\t</Cube>\n' + // 22
      ENVELOPE_TAIL
    const {rates, errors} = parseEcbXml(xml)
    expect(rates).toEqual([
      {date: '2024-06-28', base: 'EUR', quote: 'USD', rate: '1.0705'},
      {date: '2022-12-30', base: 'EUR', quote: 'ISK', rate: '151.50'},
    ])
    expect(errors.map((e) => e.line)).toEqual([10, 11, 12, 14, 16, 13])
    expect(errors[0]?.error).toMatch(/2024-06-28 JPY: rate "abc" is not a positive decimal/)
    expect(errors[1]?.error).toMatch(/GBP: rate "-0\.84"/)
    expect(errors[2]?.error).toMatch(/lacks a currency or rate/)
    expect(errors[3]?.error).toMatch(/duplicate/)
    expect(errors[4]?.error).toMatch(/"2024-13-01" is not a YYYY-MM-DD date/)
    // a withdrawn currency is summarised once, not once per day
    expect(errors[5]?.error).toMatch(/HRK .*2 rate\(s\) skipped/)
  })

  it('reports malformed XML with its line, and a document that is not ECB', () => {
    const broken =
      ENVELOPE_HEAD + "\t\t<Cube time='2024-06-28'>\n\t\t\t<Cube currency='USD' rate='1.07'>\n" + ENVELOPE_TAIL
    const res = parseEcbXml(broken)
    expect(res.rates).toEqual([])
    expect(res.errors).toHaveLength(1)
    expect(res.errors[0]?.error).toMatch(/^malformed XML/)
    expect(res.errors[0]?.line).toBeGreaterThanOrEqual(9)
    expect(parseEcbXml('<rates><rate/></rates>').errors[0]?.error).toMatch(/not an ECB eurofxref document/)
  })
})

describe('parseFxCsv', () => {
  it('keeps good rows and reports each bad row with its file line', () => {
    const {rates, rejected} = parseFxCsv(fixture('rates-with-bad-row.csv'))
    expect(rates).toEqual([
      {date: '2024-06-26', base: 'EUR', quote: 'USD', rate: '1.0696'},
      {date: '2024-06-27', base: 'EUR', quote: 'USD', rate: '1.0713'},
      {date: '2024-06-28', base: 'USD', quote: 'JPY', rate: '160.61'},
      {date: '2024-06-28', base: 'EUR', quote: 'CHF', rate: '0.9634'},
      {date: '2024-06-28', base: 'EUR', quote: 'USD', rate: '1.0705'},
    ])
    expect(rejected.map((r) => r.line)).toEqual([4, 6, 7, 8, 9, 12])
    const reason = (line: number) => rejected.find((r) => r.line === line)?.error
    expect(reason(4)).toMatch(/rate "1\.0e-1" is not a positive decimal/)
    expect(reason(6)).toMatch(/date "2024-02-30"/)
    expect(reason(7)).toMatch(/quote: currency "XYZ"/)
    expect(reason(8)).toMatch(/greater than zero/)
    expect(reason(9)).toMatch(/expected 4 columns, found 3/)
    expect(reason(12)).toMatch(/duplicate of line 11/)
  })

  it('counts lines with blank lines, CRLF and a BOM; quoted fields; header order is free', () => {
    const text =
      '\uFEFFrate,quote,base,date,note\r\n' + // 1
      '1.0705,USD,EUR,2024-06-28,"a, b"\r\n' + // 2
      '\r\n' + // 3
      '0,GBP,EUR,2024-06-28,x\r\n' + // 4
      '"0.84638", gbp ,eur,2024-06-28,\r\n' + // 5
      '1.1,CHF,EUR,2024-06-28,"not\r\n' + // 6: a field may not span lines in a rate file
      'closed"\r\n' + // 7
      '0.9634,CHF,EUR,2024-06-28\r\n' // 8
    const {rates, rejected} = parseFxCsv(text)
    expect(rates).toEqual([
      {date: '2024-06-28', base: 'EUR', quote: 'USD', rate: '1.0705'},
      {date: '2024-06-28', base: 'EUR', quote: 'GBP', rate: '0.84638'},
      {date: '2024-06-28', base: 'EUR', quote: 'CHF', rate: '0.9634'},
    ])
    expect(rejected.map((r) => r.line)).toEqual([4, 6, 7])
    expect(rejected[0]?.error).toMatch(/greater than zero/)
  })

  it('reports a malformed CSV record by line and carries on', () => {
    const text =
      'date,base,quote,rate\n2024-06-27,EUR,USD,1.0713\n2024-06-28,EUR,"US"D,1.07\n2024-06-28,EUR,USD,1.0705\n'
    const {rates, rejected} = parseFxCsv(text)
    expect(rates.map((r) => r.date)).toEqual(['2024-06-27', '2024-06-28'])
    expect(rejected).toHaveLength(1)
    expect(rejected[0]?.line).toBe(3)
    expect(rejected[0]?.error).toMatch(/quote/i)
  })

  it('rejects a missing header column and an empty file', () => {
    expect(parseFxCsv('date,base,rate\n2024-06-28,EUR,1.07\n')).toEqual({
      rates: [],
      rejected: [{line: 1, error: 'header lacks column(s) quote'}],
    })
    expect(parseFxCsv('').rejected[0]?.error).toMatch(/empty file/)
  })
})
