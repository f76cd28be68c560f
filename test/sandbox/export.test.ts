import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parse} from 'csv-parse/sync'
import {afterAll, describe, expect, it} from 'vitest'

import {csvField, exportScenario} from '../../src/sandbox/export.js'
import {generateScenario} from '../../src/sandbox/generate.js'

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
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField(' edge')).toBe('" edge"')
  })
})
