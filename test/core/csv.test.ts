import {parse} from 'csv-parse/sync'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {csvCell, csvRow, fromCsvCell} from '../../src/core/csv.js'

// Item 4: CSV cells beginning with = + - @ tab or CR run as formulas in a spreadsheet (OWASP "CSV injection").
describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+49 30 1234', "'+49 30 1234"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\tcmd', "'\tcmd"],
    ['\r=1', `"'\r=1"`],
    // So the reader can tell a neutralised cell from one that began with an apostrophe, that one gets one too.
    ["'=already", "''=already"],
    ["''", "'''"],
  ])('neutralises %j as %j', (value, written) => {
    expect(csvCell(value)).toBe(written)
  })

  it.each([
    ['-12.50', '-12.50'],
    ['-5', '-5'],
    ['12.5', '12.5'],
    ["O'Brien", "O'Brien"],
    ["'quoted'", "'quoted'"],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    [' edge', '" edge"'],
    ['', ''],
  ])('leaves %j as %j (plain negative numbers are numbers, not formulas)', (value, written) => {
    expect(csvCell(value)).toBe(written)
  })

  it('writes numbers as numbers and null as an empty cell', () => {
    expect(csvRow([-3, 0, 12, null, 'x'])).toBe('-3,0,12,,x\r\n')
    expect(csvRow(['a', 'b'], '\n')).toBe('a,b\n')
  })

  it('whatever the text, a spreadsheet sees no formula and the reader gets the text back exactly', () => {
    const risky = fc.oneof(
      fc.string(),
      fc
        .tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', "'", "''", '-1', ' '), fc.string())
        .map(([a, b]) => a + b),
    )
    fc.assert(
      fc.property(fc.array(risky, {maxLength: 5}), (tail) => {
        const values = ['k', ...tail]
        const [cells] = parse(csvRow(values), {relax_quotes: false}) as string[][]
        expect(cells).toHaveLength(values.length)
        for (const cell of cells!) if (/^[=+\-@\t\r]/.test(cell)) expect(cell).toMatch(/^-\d+(\.\d+)?$/)
        expect(cells!.map(fromCsvCell)).toEqual(values)
      }),
      {numRuns: 500},
    )
  })
})
