import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {writeJson} from '../../src/cli/json-output.js'

const written = (value: unknown): {text: string; chunks: string[]} => {
  const chunks: string[] = []
  writeJson(value, (chunk) => chunks.push(chunk))
  return {text: chunks.join(''), chunks}
}

// Item 3: oclif's logJson pretty-prints through its JSON colourizer, whose string-token regex
// (/^"(?:\\.|[^"\\])*"/) overflows V8's regexp backtracking stack on a string of about 10 MB ("Maximum call stack
// size exceeded") and re-scans the rest of the text for every token. The base command writes plain JSON instead.
describe('writeJson', () => {
  it('writes exactly what JSON.stringify(value, null, 2) writes, plus a newline', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(written(value).text).toBe(`${JSON.stringify(value, null, 2)}\n`)
      }),
      {numRuns: 500},
    )
  })

  it('follows JSON.stringify for undefined, functions, toJSON and non-finite numbers', () => {
    const value = {
      a: undefined,
      b: [undefined, () => 1, Number.NaN, -0],
      at: new Date('2026-01-02T03:04:05.000Z'),
      nested: {toJSON: () => ({x: 1})},
      empty: {},
      none: [],
    }
    expect(written(value).text).toBe(`${JSON.stringify(value, null, 2)}\n`)
  })

  it('writes a 10 MB string and a 200k-row list in bounded chunks', () => {
    const big = 'x'.repeat(10 * 1024 * 1024)
    expect(JSON.parse(written({customers: [{name: big}]}).text)).toEqual({customers: [{name: big}]})

    const rows = Array.from({length: 200_000}, (_, i) => ({id: `c${i}`, name: `Name ${i}`, refs: {stripe: `cus_${i}`}}))
    const {text, chunks} = written({customers: rows})
    expect(text).toBe(`${JSON.stringify({customers: rows}, null, 2)}\n`)
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(128 * 1024)
  })

  it('refuses a cycle with a clear error instead of recursing forever', () => {
    const a: Record<string, unknown> = {}
    a.self = a
    expect(() => written(a)).toThrow(/circular/)
  })
})
