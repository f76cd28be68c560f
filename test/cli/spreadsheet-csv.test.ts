import {describe, expect, it} from 'vitest'

import {csvRow} from '../../src/cli/spreadsheet-csv.js'

describe('csvRow', () => {
  it('neutralises cells a spreadsheet would evaluate, unless they are plain numbers', () => {
    expect(csvRow(['=1+1', '+49 30 1234', '-12.50', '-x', '@A1', '\tx', '\rx', '12', 'plain'])).toBe(
      "'=1+1,'+49 30 1234,-12.50,'-x,'@A1,'\tx,\"'\rx\",12,plain\n",
    )
  })

  it('quotes what RFC 4180 needs quoted, and writes null as empty', () => {
    expect(csvRow(['a,b', 'say "hi"', 'two\nlines', ' edge', null, undefined, 0])).toBe(
      '"a,b","say ""hi""","two\nlines"," edge",,,0\n',
    )
  })
})
