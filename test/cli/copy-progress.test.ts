import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {copyProgressLine} from '../../src/cli/copy-progress.js'

const at = (done: number) => ({table: 'ledger_postings', rows: done, tableRows: 1000, done, total: 2000})

describe('store copy progress line', () => {
  beforeEach(() => vi.useFakeTimers({now: 0}))
  afterEach(() => vi.useRealTimers())

  it('says nothing for a copy done within a second; afterwards at most four lines a second, cleared at the end', () => {
    const written: string[] = []
    const line = copyProgressLine({write: (s: string) => written.push(s)} as unknown as NodeJS.WriteStream)
    line.update(at(10))
    vi.setSystemTime(900)
    line.update(at(20))
    expect(written).toEqual([])
    vi.setSystemTime(1_000)
    line.update(at(500))
    vi.setSystemTime(1_100)
    line.update(at(600))
    vi.setSystemTime(1_300)
    line.update(at(1000))
    expect(written).toEqual([
      '\r\u001B[2Kcopying ledger_postings: 500/1000 rows (25% of 2000)',
      '\r\u001B[2Kcopying ledger_postings: 1000/1000 rows (50% of 2000)',
    ])
    line.done()
    expect(written.at(-1)).toBe('\r\u001B[2K')
  })

  it('a copy that never showed a line clears nothing', () => {
    const written: string[] = []
    const line = copyProgressLine({write: (s: string) => written.push(s)} as unknown as NodeJS.WriteStream)
    line.update(at(10))
    line.done()
    expect(written).toEqual([])
  })
})
