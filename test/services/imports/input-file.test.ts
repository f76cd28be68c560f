import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {importCustomers} from '../../../src/services/customers.js'
import {unreadable} from '../../../src/services/imports/input-file.js'
import {importInvoices} from '../../../src/services/invoices.js'
import {importSites, listSites} from '../../../src/services/sites.js'
import {csv, importWorld, type ImportWorld} from './import-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'
import {onDb} from '../../helpers/on-db.js'

let w: ImportWorld
beforeEach(() => {
  w = importWorld()
})
afterEach(() => w.cleanup())

const importers = [
  ['sites', onDb(importSites)],
  ['customers', onDb(importCustomers)],
  ['invoices', onDb(importInvoices)],
] as const

describe('the file an import reads', () => {
  // Item 2 and 5: every path an import can be given, whatever its extension, fails alike: a usage error naming it.
  describe.each(importers)('%s import', (_what, run) => {
    it.each(['missing.csv', 'missing.jsonl', 'missing.ndjson', 'missing'])(
      'a missing %s is a usage error naming the path',
      async (name) => {
        const path = join(w.dir, name)
        await expect(run(w.db, w.ctx, path)).rejects.toMatchObject({
          exitCode: 2,
          message: `cannot read ${path}: no such file`,
        })
      },
    )

    it.each(['dir.csv', 'dir.jsonl', 'dir'])('a directory (%s) is a usage error naming the path', async (name) => {
      const path = join(w.dir, name)
      mkdirSync(path)
      await expect(run(w.db, w.ctx, path)).rejects.toMatchObject({
        exitCode: 2,
        message: `cannot read ${path}: it is a directory, not a file`,
      })
    })

    // Item 1, "an empty file exits 0": a zero-byte or blank file is what a failed YMS export leaves behind.
    it.each([
      ['empty.csv', '', 'a header line and rows'],
      ['blank.csv', '\n  \n\r\n', 'a header line and rows'],
      ['bom-only.csv', '\uFEFF', 'a header line and rows'],
      ['empty.jsonl', '', 'one JSON object per line'],
      ['blank.jsonl', '\n\n', 'one JSON object per line'],
    ])('%s is a usage error saying the file is empty', async (name, text, expected) => {
      const path = w.input(name, text)
      await expect(run(w.db, w.ctx, path)).rejects.toMatchObject({
        exitCode: 2,
        message: `${path} is empty: expected ${expected}`,
      })
    })
  })

  it('a CSV file with a header and no rows imports nothing and warns', async () => {
    const path = w.input('sites.csv', csv('id,name,currency'))
    await expect(importSites(sqliteHandle(w.db), w.ctx, path)).resolves.toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: [],
    })
    expect(w.warnings).toEqual([`${path} has a header but no rows: nothing was imported`])
    expect(listSites(w.db)).toEqual([])
  })

  // Tests run as root here, for whom no permission bit refuses a read: the mapping is checked on its own.
  it.each([
    ['EACCES', 'permission denied'],
    ['EPERM', 'permission denied'],
    ['ENOTDIR', 'no such file'],
    ['EIO', 'EIO: i/o error'],
  ])('%s reads as "%s"', (code, reason) => {
    const error = unreadable('/x/in.csv', Object.assign(new Error(`${code}: i/o error`), {code}))
    expect(error).toMatchObject({exitCode: 2, message: `cannot read /x/in.csv: ${reason}`})
  })
})
