import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parse} from 'csv-parse/sync'
import {afterAll, describe, expect, it} from 'vitest'

import {csvCell} from '../../src/core/csv.js'
import {exportScenario} from '../../src/sandbox/export.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {importCustomers, listCustomers} from '../../src/services/customers.js'
import {importInvoices} from '../../src/services/invoices.js'
import {importSites, listSites} from '../../src/services/sites.js'
import {importWorld} from '../services/imports/import-world.js'
import {onDb} from '../helpers/on-db.js'

const scenario = generateScenario({
  seed: 3,
  customers: 300,
  transactions: 1_000,
  start: '2025-01-01T00:00:00.000Z',
  end: '2025-02-01T00:00:00.000Z',
})
const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, {recursive: true, force: true})
})

async function exported(): Promise<{
  dir: string
  read: (name: string) => Promise<Record<string, string>[]>
  text: (name: string) => Promise<string>
}> {
  const dir = await mkdtemp(join(tmpdir(), 'yms-sandbox-export-'))
  dirs.push(dir)
  await exportScenario(scenario, dir)
  const text = (name: string): Promise<string> => readFile(join(dir, name), 'utf8')
  return {dir, text, read: async (name) => parse(await text(name), {columns: true}) as Record<string, string>[]}
}

describe('exportScenario', () => {
  it('writes sites.csv with the import columns', async () => {
    const {read, text} = await exported()
    expect((await text('sites.csv')).split('\n')[0]).toBe('id,name,currency,country,timezone')
    expect(await read('sites.csv')).toEqual(
      scenario.sites.map((s) => ({
        id: s.id,
        name: s.name,
        currency: s.currency,
        country: s.country,
        timezone: s.timezone,
      })),
    )
  })

  it('writes customers.csv whose names with commas and quotes parse back intact', async () => {
    const {read, text} = await exported()
    expect((await text('customers.csv')).split('\n')[0]).toBe(
      'id,site,segment,name,email,ref.stripe,ref.adyen,ref.paypal,ref.square,ref.braintree',
    )
    const rows = await read('customers.csv')
    expect(rows).toEqual(
      scenario.customers.map((c) => ({
        id: c.id,
        site: c.site,
        segment: c.segment,
        name: c.name,
        email: c.email,
        'ref.stripe': c.refs.stripe,
        'ref.adyen': c.refs.adyen,
        'ref.paypal': c.refs.paypal,
        'ref.square': c.refs.square,
        'ref.braintree': c.refs.braintree,
      })),
    )
    // The world does exercise quoting.
    expect(scenario.customers.some((c) => c.name.includes(','))).toBe(true)
    expect(scenario.customers.some((c) => c.name.includes('"'))).toBe(true)
  })

  it('writes invoices.csv with exact decimal major-unit amounts per currency', async () => {
    const {read} = await exported()
    const rows = await read('invoices.csv')
    expect(rows.length).toBe(scenario.invoices.length)
    const exponent: Record<string, number> = {EUR: 2, USD: 2, JPY: 0, KWD: 3}
    for (const [index, row] of rows.entries()) {
      const invoice = scenario.invoices[index]!
      expect(row).toMatchObject({
        id: invoice.id,
        site: invoice.site,
        customer: invoice.customer,
        currency: invoice.amount.currency,
        issued_at: invoice.issuedAt,
        due_at: invoice.dueAt,
      })
      const places = exponent[invoice.amount.currency]!
      const pattern = places === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${places}}$`)
      expect(row.amount, invoice.id).toMatch(pattern)
      // Back to minor units without floats: drop the point.
      expect(Number(row.amount!.replace('.', ''))).toBe(invoice.amount.minor)
    }
    expect(new Set(rows.map((r) => r.currency))).toEqual(new Set(['EUR', 'USD', 'JPY', 'KWD']))
  })

  it('quotes only what needs quoting', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(csvCell(' edge')).toBe('" edge"')
  })

  // Item 4: the export goes through the one CSV writer, which neutralises formula cells; the imports read the
  // neutralised form back as the original text, so the sandbox world round-trips exactly.
  it('hostile names are neutralised in the file and come back intact through the imports', async () => {
    const hostile = ['=cmd|"/C calc"!A0', '-Smith', '+49 30 123', '@home', "'=already", "O'Brien, Ltd.", '-12.50']
    const world = {
      ...scenario,
      sites: scenario.sites.map((s, i) => (i === 0 ? {...s, name: '=SUM(1,2)'} : s)),
      customers: scenario.customers.map((c, i) => (i < hostile.length ? {...c, name: hostile[i]!} : c)),
    }
    const dir = await mkdtemp(join(tmpdir(), 'yms-sandbox-export-'))
    dirs.push(dir)
    const {files} = await exportScenario(world, dir)
    for (const file of Object.values(files)) {
      const cells = (parse(await readFile(file, 'utf8')) as string[][]).flat()
      expect(cells.filter((c) => /^[=+@\t\r]|^-(?!\d+(\.\d+)?$)/.test(c))).toEqual([])
    }

    const w = importWorld()
    try {
      for (const [run, file] of [
        [onDb(importSites), files.sites],
        [onDb(importCustomers), files.customers],
        [onDb(importInvoices), files.invoices],
      ] as const) {
        expect((await run(w.db, w.ctx, file)).rejected).toEqual([])
      }
      expect(new Map(listSites(w.db).map((s) => [s.id, s.name]))).toEqual(
        new Map(world.sites.map((s) => [s.id, s.name])),
      )
      const names = new Map(listCustomers(w.db, {}).map((c) => [c.id, c.name]))
      expect(world.customers.map((c) => names.get(c.id))).toEqual(world.customers.map((c) => c.name))
    } finally {
      w.cleanup()
    }
  })
})
