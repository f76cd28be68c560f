import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {importCustomers, listCustomers} from '../../../src/services/customers.js'
import {importSites, listSites} from '../../../src/services/sites.js'
import {importWorld, type ImportWorld} from './import-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

let w: ImportWorld
beforeEach(() => {
  w = importWorld()
})
afterEach(() => w.cleanup())

const bytes = (...parts: Array<string | number[] | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))))

// Item 1: non-UTF-8 bytes used to become U+FFFD in names without a word. The file is refused as a whole (an
// encoding is a property of the file, and half an import of it helps nobody), naming the first bad byte.
describe('imports read UTF-8 only', () => {
  it('a Latin-1 / Windows-1252 file is refused naming the line, the byte offset and the likely encoding', async () => {
    // "Müller" in Windows-1252: 0xFC is ü. Line 2 starts at byte 13; "c1,berlin,M" is 11 bytes.
    const path = w.input('customers.csv', bytes('id,site,name\n', 'c1,berlin,M', [0xfc], 'ller\nc2,berlin,Ann\n'))
    const error = await importCustomers(sqliteHandle(w.db), w.ctx, path).catch((e: unknown) => e)
    expect(error).toMatchObject({
      exitCode: 2,
      message: `${path} is not UTF-8: line 2 has byte 0xFC at byte offset 24 (ü in Windows-1252); nothing was imported`,
      hint: expect.stringMatching(/looks like Windows-1252 \(Latin-1\).*iconv -f WINDOWS-1252 -t UTF-8/),
    })
    expect(listCustomers(w.db, {})).toEqual([])
  })

  it('a bad byte late in the file refuses the whole file: nothing of it lands', async () => {
    const rows = Array.from({length: 3000}, (_, i) => `s${i},Site ${i},EUR`).join('\n')
    const path = w.input('sites.csv', bytes('id,name,currency\n', rows, '\ns-last,Z', [0xe9], 'rich,CHF\n'))
    await expect(importSites(sqliteHandle(w.db), w.ctx, path)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/is not UTF-8: line 3002 has byte 0xE9 .*\(é in Windows-1252\)/),
    })
    expect(listSites(w.db)).toEqual([])
  })

  it('a truncated multi-byte sequence is refused too (not only Latin-1)', async () => {
    // 0xC3 starts a two-byte sequence; "," cannot continue it.
    const path = w.input('sites.jsonl', bytes('{"id":"a","name":"x', [0xc3], '","currency":"EUR"}\n'))
    await expect(importSites(sqliteHandle(w.db), w.ctx, path)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/is not UTF-8: line 1 has byte 0xC3 at byte offset 19/),
    })
  })

  it.each([
    ['UTF-16 LE with a BOM', [0xff, 0xfe], 'UTF-16'],
    ['UTF-16 BE with a BOM', [0xfe, 0xff], 'UTF-16'],
  ])('%s is refused naming the encoding', async (_name, bom, encoding) => {
    const path = w.input('sites.csv', bytes(bom, Buffer.from('id,name,currency\n', 'utf16le')))
    await expect(importSites(sqliteHandle(w.db), w.ctx, path)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`${path} is not UTF-8: it is ${encoding}`),
    })
  })

  it('UTF-16 without a BOM (NUL bytes) is refused naming the encoding', async () => {
    const path = w.input('sites.csv', Buffer.from('id,name,currency\nb,B,EUR\n', 'utf16le'))
    await expect(importSites(sqliteHandle(w.db), w.ctx, path)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/is not UTF-8: line 1 has a NUL byte at byte offset 1 \(UTF-16\?\)/),
    })
  })

  it('valid UTF-8 with a BOM, CRLF line ends and non-Latin text imports intact', async () => {
    const path = w.input(
      'sites.csv',
      bytes([0xef, 0xbb, 0xbf], 'id,name,currency\r\ntokyo,東京 Ginza,JPY\r\nzurich,Zürich,CHF\r\n'),
    )
    await expect(importSites(sqliteHandle(w.db), w.ctx, path)).resolves.toMatchObject({inserted: 2, rejected: []})
    expect(listSites(w.db).map((s) => s.name)).toEqual(['東京 Ginza', 'Zürich'])
  })
})
