import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {listAudit} from '../../../src/services/audit.js'
import {importCustomers, listCustomers} from '../../../src/services/customers.js'
import {getCustomer} from '../../../src/store/repos/customers.js'
import {importInvoices} from '../../../src/services/invoices.js'
import {addSite, importSites, listSites} from '../../../src/services/sites.js'
import {csv, importWorld, type ImportWorld} from './import-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

let w: ImportWorld
beforeEach(() => {
  w = importWorld()
  addSite(w.db, w.ctx, {id: 'berlin', name: 'Berlin', currency: 'EUR', country: null, timezone: null})
  addSite(w.db, w.ctx, {id: 'tokyo', name: 'Tokyo', currency: 'JPY', country: null, timezone: null})
})
afterEach(() => w.cleanup())

const names = () => Object.fromEntries(listCustomers(w.db, {}).map((c) => [c.id, c.name]))

// Item 1: "duplicate ids in one file, last row wins". Which of two rows is right is unknown, so neither lands.
describe('an id twice in one file', () => {
  it('rejects every line of a repeated id, naming the others; the other rows land', async () => {
    const path = w.input(
      'customers.csv',
      csv('id,site,name', 'c1,berlin,Anna', 'c2,berlin,Bo', 'c1,tokyo,Anna T', 'c3,berlin,Cy', 'c1,berlin,Anna B'),
    )
    const result = await importCustomers(sqliteHandle(w.db), w.ctx, path)
    expect(result).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      rejected: [2, 4, 6].map((line) => ({
        line,
        error: 'id "c1" is on lines 2, 4 and 6: an id may appear once per file, so none of these lines was imported',
      })),
    })
    expect(names()).toEqual({c2: 'Bo', c3: 'Cy'})
  })

  it('the rule holds across batches, in JSON lines, and for sites and invoices (ids compare trimmed)', async () => {
    const many = Array.from({length: 4500}, (_, i) => JSON.stringify({id: `s${i}`, name: `S${i}`, currency: 'EUR'}))
    many.push(JSON.stringify({id: ' s7 ', name: 'again', currency: 'USD'}))
    const sites = await importSites(sqliteHandle(w.db), w.ctx, w.input('sites.jsonl', `${many.join('\n')}\n`))
    expect(sites.rejected).toEqual([
      {line: 8, error: expect.stringMatching(/^id "s7" is on lines 8 and 4501:/)},
      {line: 4501, error: expect.stringMatching(/^id "s7" is on lines 8 and 4501:/)},
    ])
    expect(listSites(w.db).find((s) => s.id === 's7')).toBeUndefined()

    await importCustomers(sqliteHandle(w.db), w.ctx, w.input('c.csv', csv('id,site', 'c1,berlin')))
    const invoices = await importInvoices(
      sqliteHandle(w.db),
      w.ctx,
      w.input(
        'invoices.csv',
        csv(
          'id,site,customer,amount,currency,issued_at',
          'i1,berlin,c1,10.00,EUR,2026-01-01',
          'i1,berlin,c1,12.00,EUR,2026-01-01',
        ),
      ),
    )
    expect(invoices).toMatchObject({inserted: 0, rejected: [{line: 2}, {line: 3}]})
  })
})

// Item 1: "one malformed quoted line is reported four times and the rejected count is wrong".
describe('malformed CSV lines', () => {
  it('a stray character after a closing quote rejects that line once; the next lines land', async () => {
    const path = w.input('customers.csv', csv('id,site,name', 'c1,berlin,"bad"x', 'c2,berlin,Bo', 'c3,berlin,Cy'))
    expect(await importCustomers(sqliteHandle(w.db), w.ctx, path)).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      rejected: [
        {
          line: 2,
          error:
            'unreadable CSV: "x" after the closing quote of column 3 (a quote inside a quoted value is written twice: "")',
        },
      ],
    })
  })

  it('a quote that is not closed rejects its line only: values may not span lines', async () => {
    const path = w.input('customers.csv', csv('id,site,name', 'c1,berlin,"Anna', 'c2,berlin,Bo', 'c3,berlin,"Cy"'))
    expect(await importCustomers(sqliteHandle(w.db), w.ctx, path)).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      rejected: [
        {
          line: 2,
          error: 'unreadable CSV: the quote opening column 3 is not closed on this line (a value may not span lines)',
        },
      ],
    })
    expect(names()).toEqual({c2: 'Bo', c3: 'Cy'})
  })

  it('a quote in the middle of an unquoted value rejects the line', async () => {
    const path = w.input('customers.csv', csv('id,site,name', 'c1,berlin,Bob "the" Builder', 'c2,berlin,Bo'))
    expect((await importCustomers(sqliteHandle(w.db), w.ctx, path)).rejected).toEqual([
      {
        line: 2,
        error: 'unreadable CSV: a quote inside the unquoted column 3 (quote the whole value and write the quote twice)',
      },
    ])
  })

  it('quoted values keep commas and doubled quotes; spaces around a quoted value are allowed', async () => {
    const path = w.input('customers.csv', csv('id,site,name', 'c1,berlin, "Bolt, ""Inc."""  ', 'c2 , berlin ,Bo'))
    await importCustomers(sqliteHandle(w.db), w.ctx, path)
    expect(names()).toEqual({c1: 'Bolt, "Inc."', c2: 'Bo'})
  })

  it('every data line is counted exactly once, whatever damage some lines carry', async () => {
    const damage = fc.constantFrom(
      (l: string) => l.replace(',', ',"'), // a quote opened and never closed
      (l: string) => `${l}"x"`, // a quote inside an unquoted value
      (l: string) => l.replace(/,([^,]*)$/, ',"$1"x'), // garbage after a closing quote
      (l: string) => `${l},extra`, // a column too many
      (l: string) => l.split(',').slice(0, 2).join(','), // a column too few
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(damage, {nil: undefined}), {minLength: 1, maxLength: 30}), async (plan) => {
        const lines = plan.map((hurt, i) => {
          const line = `k${i},berlin,Name ${i}`
          return hurt ? hurt(line) : line
        })
        const r = await importCustomers(sqliteHandle(w.db), w.ctx, w.input('fuzz.csv', csv('id,site,name', ...lines)))
        expect(r.inserted + r.updated + r.unchanged + r.rejected.length).toBe(plan.length)
        expect(r.rejected.map((x) => x.line)).toEqual(plan.flatMap((hurt, i) => (hurt ? [i + 2] : [])))
        for (const [i, hurt] of plan.entries()) if (!hurt) expect(getCustomer(w.db, `k${i}`)?.name).toBe(`Name ${i}`)
      }),
      {numRuns: 40},
    )
  })
})

// "The totals say so": the audit rows of an import add up to the file, rejected lines included.
describe('the audit rows of an import', () => {
  const totals = (action: string) =>
    listAudit(w.db, {action})
      .map((r) => r.details as Record<string, number>)
      .reduce<Record<'inserted' | 'unchanged' | 'rejected', number>>(
        (sum, d) => ({
          inserted: sum.inserted + d.inserted!,
          unchanged: sum.unchanged + d.unchanged!,
          rejected: sum.rejected + d.rejected!,
        }),
        {inserted: 0, unchanged: 0, rejected: 0},
      )

  it('count the lines rejected before the store, also when no line landed', async () => {
    await importCustomers(
      sqliteHandle(w.db),
      w.ctx,
      w.input('bad.csv', csv('id,site,name', 'c1,berlin,"x', ',berlin,y')),
    )
    expect(totals('customer.import')).toEqual({inserted: 0, unchanged: 0, rejected: 2})
    const lines = Array.from({length: 4100}, (_, i) => (i % 1000 === 7 ? `,berlin,N${i}` : `k${i},berlin,N${i}`))
    await importCustomers(
      sqliteHandle(w.db),
      w.ctx,
      w.input('many.csv', csv('id,site,name', ...lines, 'k5,nowhere,dup?')),
    )
    expect(totals('customer.import')).toEqual({inserted: 4094, unchanged: 0, rejected: 2 + 7})
  })
})

// Item 3: a 10 MB field was stored, and `customers list --json` then crashed. Every text field has a length limit.
describe('field length limits', () => {
  const huge = 'x'.repeat(10 * 1024 * 1024)

  it.each([
    ['name', 200, 'c1,berlin,{},a@b.example,seg'],
    ['email', 254, 'c1,berlin,Anna,{}@b.example,seg'],
    ['segment', 100, 'c1,berlin,Anna,a@b.example,{}'],
  ])('a customer %s longer than %i characters rejects the row without echoing it', async (field, limit, row) => {
    const ok = w.input(
      'ok.csv',
      csv('id,site,name,email,segment', row.replace('{}', 'y'.repeat(limit - (field === 'email' ? 12 : 0)))),
    )
    expect((await importCustomers(sqliteHandle(w.db), w.ctx, ok)).rejected).toEqual([])
    const path = w.input('huge.csv', csv('id,site,name,email,segment', row.replace('{}', huge)))
    const result = await importCustomers(sqliteHandle(w.db), w.ctx, path)
    expect(result.rejected).toEqual([{line: 2, error: `${field}: longer than ${limit} characters`}])
  })

  it('a ref longer than 256 characters rejects the row', async () => {
    const path = w.input('c.csv', csv('id,site,ref.stripe', `c1,berlin,${'r'.repeat(257)}`))
    expect((await importCustomers(sqliteHandle(w.db), w.ctx, path)).rejected).toEqual([
      {line: 2, error: 'ref.stripe: longer than 256 characters'},
    ])
  })

  it.each([
    ['id', 'id,name,currency', `${huge},A,EUR`, 'id: longer than 200 characters'],
    ['name', 'id,name,currency', `a,${huge},EUR`, 'name: longer than 200 characters'],
    ['currency', 'id,name,currency', `a,A,${huge}`, 'currency: longer than 3 characters'],
    ['timezone', 'id,name,currency,timezone', `a,A,EUR,${huge}`, 'timezone: longer than 64 characters'],
  ])('a site %s that is too long is refused without echoing it', async (_f, header, row, error) => {
    const result = await importSites(sqliteHandle(w.db), w.ctx, w.input('s.csv', csv(header, row)))
    expect(result.rejected).toEqual([{line: 2, error}])
  })

  it.each([
    ['amount', `i1,berlin,c1,${'9'.repeat(41)},EUR,2026-01-01,`, 'amount: longer than 40 characters'],
    ['issued_at', `i1,berlin,c1,1.00,EUR,${huge},`, 'issued_at: longer than 40 characters'],
    ['due_at', `i1,berlin,c1,1.00,EUR,2026-01-01,${huge}`, 'due_at: longer than 40 characters'],
  ])('an invoice %s that is too long is refused without echoing it', async (_f, row, error) => {
    const header = 'id,site,customer,amount,currency,issued_at,due_at'
    const result = await importInvoices(sqliteHandle(w.db), w.ctx, w.input('i.csv', csv(header, row)))
    expect(result.rejected).toEqual([{line: 2, error}])
  })

  it('sites add applies the same limits to its flags', () => {
    expect(() => addSite(w.db, w.ctx, {id: 'x', name: huge, currency: 'EUR', country: null, timezone: null})).toThrow(
      /^--name: longer than 200 characters$/,
    )
  })
})

describe('JSON lines values', () => {
  it('arrays and objects other than ref are refused by row instead of being flattened into text', async () => {
    const path = w.input(
      'customers.jsonl',
      [
        '{"id":"c1","site":"berlin","name":["A","B"]}',
        '{"id":"c2","site":"berlin","name":{"first":"Bo"}}',
        '{"id":"c3","site":"berlin","ref":{"stripe":{"id":"cus_3"}}}',
        '{"id":4,"site":"berlin","name":"Four","email":null}',
      ].join('\n'),
    )
    const result = await importCustomers(sqliteHandle(w.db), w.ctx, path)
    expect(result).toEqual({
      inserted: 1,
      updated: 0,
      unchanged: 0,
      rejected: [
        {line: 1, error: 'name: expected text or a number, found an array'},
        {line: 2, error: 'name: expected text or a number, found an object'},
        {line: 3, error: 'ref.stripe: expected text or a number, found an object'},
      ],
    })
    expect(names()).toEqual({4: 'Four'})
  })
})
