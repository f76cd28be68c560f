import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {importCustomers, listCustomers} from '../../../src/services/customers.js'
import {importInvoices} from '../../../src/services/invoices.js'
import {addSite, importSites, listSites} from '../../../src/services/sites.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {csv, importWorld, type ImportWorld} from './import-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'
import {onDb} from '../../helpers/on-db.js'

let w: ImportWorld
beforeEach(() => {
  w = importWorld()
  addSite(w.db, w.ctx, {id: 'berlin', name: 'Berlin', currency: 'EUR', country: null, timezone: null})
})
afterEach(() => w.cleanup())

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the import to fail')
    },
    (error: unknown) => error as {exitCode: number; message: string; hint?: string},
  )

// Item 1: a file whose header is wrong used to give one error per row (or, for sites and invoices, to drop the
// unknown column without a word). Now the header is checked once, before any row: one error for the file.
describe('the header of a CSV file', () => {
  it('a misspelt column is one error for the file, naming it and the nearest valid name; nothing lands', async () => {
    const rows = Array.from({length: 50}, (_, i) => `c${i},berlin,Name ${i}`)
    const path = w.input('customers.csv', csv('id,site,nmae', ...rows))
    const error = await failure(importCustomers(sqliteHandle(w.db), w.ctx, path))
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe(`${path} line 1 (the header): unknown column "nmae" (did you mean "name"?)`)
    expect(error.hint).toMatch(/id, site, segment, name, email, ref\.<gateway kind or provider id>/)
    expect(listCustomers(w.db, {})).toEqual([])
  })

  it.each([
    ['sites', onDb(importSites), 'id,name,currency,timezon', /unknown column "timezon" \(did you mean "timezone"\?\)/],
    ['sites', onDb(importSites), 'id,name,currency,colour', /unknown column "colour"/],
    [
      'invoices',
      onDb(importInvoices),
      'id,site,customer,amount,currency,issued_at,due',
      /unknown column "due" \(did you mean "due_at"\?\)/,
    ],
  ])('%s: an unknown column is refused, not dropped (%s)', async (_what, run, header, message) => {
    const path = w.input('in.csv', csv(header, 'x,y,z'))
    expect((await failure(run(w.db, w.ctx, path))).message).toMatch(message)
  })

  it.each([
    ['sites', onDb(importSites), 'id,name', /missing column "currency"/],
    ['customers', onDb(importCustomers), 'id,name', /missing column "site"/],
    ['invoices', onDb(importInvoices), 'id,site,customer,currency,issued_at', /missing column "amount"/],
  ])('%s: a missing required column is one error for the file', async (_what, run, header, message) => {
    const path = w.input('in.csv', csv(header, 'a,b', 'c,d'))
    expect((await failure(run(w.db, w.ctx, path))).message).toMatch(message)
  })

  it('every problem of the header is in the one error', async () => {
    const path = w.input('customers.csv', csv('id,nmae,name,emial,name,', 'c1,a,b,c,d,'))
    const {message} = await failure(importCustomers(sqliteHandle(w.db), w.ctx, path))
    expect(message).toBe(
      `${path} line 1 (the header): unknown column "nmae" (did you mean "name"?); unknown column "emial" (did you mean "email"?); column "name" appears twice (columns 3 and 5); column 6 has no name; missing column "site"`,
    )
  })

  it.each([
    ['semicolons', 'id;site;name\nc1;berlin;Anna\nc2;berlin;Bo\n', '";"'],
    ['tabs', 'id\tsite\tname\nc1\tberlin\tAnna\n', 'tab'],
  ])('a file separated by %s is one error saying so', async (_name, text, separator) => {
    const path = w.input('customers.csv', text)
    const error = await failure(importCustomers(sqliteHandle(w.db), w.ctx, path))
    expect(error).toMatchObject({
      exitCode: 2,
      message: `${path} line 1 (the header): the columns are separated by ${separator}; yms-pay reads comma-separated CSV`,
    })
    expect(error.hint).toMatch(/commas/)
  })

  it('a header whose quote never closes is one error for the file', async () => {
    const path = w.input('sites.csv', csv('id,"name,currency', 'a,A,EUR'))
    expect((await failure(importSites(sqliteHandle(w.db), w.ctx, path))).message).toBe(
      `${path} line 1 (the header): unreadable CSV: the quote opening column 2 is not closed on this line (a value may not span lines)`,
    )
  })

  it('column names are matched after trimming, in any order', async () => {
    const path = w.input('sites.csv', csv(' currency , id,name', 'EUR,paris,Paris'))
    await expect(importSites(sqliteHandle(w.db), w.ctx, path)).resolves.toMatchObject({inserted: 1, rejected: []})
    expect(listSites(w.db).find((s) => s.id === 'paris')).toMatchObject({currency: 'EUR', name: 'Paris'})
  })
})

// Item 1: "a misspelt ref.<kind> column is stored as a ref" that no sync would ever look up.
describe('ref.<name> columns', () => {
  it('a misspelt gateway kind is one error for the file naming the nearest valid name', async () => {
    const path = w.input('customers.csv', csv('id,site,ref.strpe', 'c1,berlin,cus_1', 'c2,berlin,cus_2'))
    const error = await failure(importCustomers(sqliteHandle(w.db), w.ctx, path))
    expect(error.message).toBe(
      `${path} line 1 (the header): unknown column "ref.strpe" (did you mean "ref.stripe"?): a ref column names a gateway kind (stripe, adyen, paypal, square, braintree) or a provider id`,
    )
    expect(listCustomers(w.db, {})).toEqual([])
  })

  it('a ref column naming an existing provider id is accepted; a near miss of it is refused', async () => {
    insertProvider(w.db, {id: 'acme-eu', kind: 'stripe'})
    const good = w.input('good.csv', csv('id,site,ref.acme-eu,ref.square', 'c1,berlin,AC-1,SQ-1'))
    await expect(importCustomers(sqliteHandle(w.db), w.ctx, good)).resolves.toMatchObject({inserted: 1, rejected: []})
    expect(listCustomers(w.db, {})[0]!.refs).toEqual({'acme-eu': 'AC-1', square: 'SQ-1'})

    const bad = w.input('bad.csv', csv('id,site,ref.acme_eu', 'c2,berlin,AC-2'))
    expect((await failure(importCustomers(sqliteHandle(w.db), w.ctx, bad))).message).toMatch(
      /unknown column "ref\.acme_eu" \(did you mean "ref\.acme-eu"\?\): .*or a provider id \(acme-eu\)/,
    )
  })

  it('JSON lines: a misspelt nested ref is one error for the file, naming the lines it is on', async () => {
    const lines = Array.from({length: 5}, (_, i) =>
      JSON.stringify({id: `c${i}`, site: 'berlin', ref: {paypall: `P${i}`}}),
    )
    const path = w.input('customers.jsonl', `${lines.join('\n')}\n`)
    const error = await failure(importCustomers(sqliteHandle(w.db), w.ctx, path))
    expect(error.message).toBe(
      `${path}: unknown key "ref.paypall" on lines 1, 2, 3 and 2 more (did you mean "ref.paypal"?): a ref column names a gateway kind (stripe, adyen, paypal, square, braintree) or a provider id`,
    )
    expect(listCustomers(w.db, {})).toEqual([])
  })
})

describe('the keys of JSON lines', () => {
  it('an unknown key is one error for the file, not one per line; sites and invoices too', async () => {
    const sites = w.input('sites.jsonl', '{"id":"a","name":"A","currency":"EUR","tz":"Europe/Paris"}\n')
    expect((await failure(importSites(sqliteHandle(w.db), w.ctx, sites))).message).toBe(
      `${sites}: unknown key "tz" on line 1`,
    )
    const invoices = w.input(
      'invoices.jsonl',
      '{"id":"i1","site":"berlin","customer":"c1","amount":"1.00","currency":"EUR","issued":"2026-01-01"}\n',
    )
    expect((await failure(importInvoices(sqliteHandle(w.db), w.ctx, invoices))).message).toBe(
      `${invoices}: unknown key "issued" on line 1 (did you mean "issued_at"?)`,
    )
  })

  it('a JSON array file (not JSON lines) is one error for the file', async () => {
    const path = w.input('sites.json', '[\n  {"id": "a", "name": "A", "currency": "EUR"}\n]\n')
    const error = await failure(importSites(sqliteHandle(w.db), w.ctx, path))
    expect(error.message).toBe(`${path} line 1: not a JSON object; a JSON lines file holds one object per line`)
  })
})
