import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {run, tempHome, writeInput} from './helpers.js'
import {CustomerDetail, ErrorJson, ImportResult} from './shapes.js'

describe('invoices import', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  const balances = async (id: string) =>
    CustomerDetail.parse((await run(['customers', 'show', id, '--json'], {home})).json()).balances

  beforeAll(async () => {
    const customers = writeInput(home, 'customers.csv', 'id,site,segment\nc1,berlin,retail\nc2,tokyo,retail\n')
    for (const args of [
      ['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'],
      ['sites', 'add', 'tokyo', '--name', 'Tokyo', '--currency', 'JPY'],
      ['customers', 'import', customers],
    ]) {
      expect((await run(args, {home})).exitCode).toBe(0)
    }
  })

  it('amounts parse exactly per currency; bad rows are named by line (exit 4); good rows post to the ledger', async () => {
    const csv = writeInput(
      home,
      'invoices.csv',
      [
        'id,site,customer,amount,currency,issued_at,due_at',
        'inv-1,berlin,c1,125.50,EUR,2026-11-01,2026-11-15',
        'inv-2,tokyo,c2,5000,JPY,2026-11-02T09:00:00+09:00,',
        'inv-3,berlin,c1,12.345,EUR,2026-11-01,',
        'inv-4,berlin,c9,10.00,EUR,2026-11-01,',
      ].join('\n'),
    )
    const r = await run(['invoices', 'import', csv, '--json'], {home})
    expect(r.exitCode).toBe(4)
    const result = ImportResult.parse(r.json())
    expect(result).toMatchObject({inserted: 2, updated: 0, unchanged: 0})
    expect(result.rejected).toEqual([
      {line: 4, error: expect.stringMatching(/amount: .*12\.345.*EUR allows 2/)},
      {line: 5, error: expect.stringMatching(/unknown customer "c9"/)},
    ])
    expect(await balances('c1')).toEqual([{minor: 12550, currency: 'EUR'}])
    expect(await balances('c2')).toEqual([{minor: 5000, currency: 'JPY'}])
  })

  it('importing the same rows again changes nothing and posts nothing twice', async () => {
    const csv = writeInput(
      home,
      'same.csv',
      'id,site,customer,amount,currency,issued_at,due_at\ninv-1,berlin,c1,125.50,EUR,2026-11-01,2026-11-15\n',
    )
    const r = await run(['invoices', 'import', csv, '--json'], {home})
    expect(r.exitCode).toBe(0)
    expect(ImportResult.parse(r.json())).toEqual({inserted: 0, updated: 0, unchanged: 1, rejected: []})
    expect(await balances('c1')).toEqual([{minor: 12550, currency: 'EUR'}])
  })

  it('a changed amount updates the invoice and posts only the difference', async () => {
    const jsonl = writeInput(
      home,
      'changed.jsonl',
      '{"id":"inv-1","site":"berlin","customer":"c1","amount":"130.00","currency":"EUR","issued_at":"2026-11-01","due_at":"2026-11-15"}\n',
    )
    const r = await run(['invoices', 'import', jsonl, '--json'], {home})
    expect(ImportResult.parse(r.json())).toEqual({inserted: 0, updated: 1, unchanged: 0, rejected: []})
    expect(await balances('c1')).toEqual([{minor: 13000, currency: 'EUR'}])
  })

  it('without --json the result is a summary for a person, not JSON', async () => {
    const csv = writeInput(
      home,
      'one.csv',
      'id,site,customer,amount,currency,issued_at,due_at\ninv-9,tokyo,c2,1,JPY,2026-11-03,\n',
    )
    const r = await run(['invoices', 'import', csv], {home})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/invoices/)
    expect(() => JSON.parse(r.stdout)).toThrow()
  })

  it.each([
    [['invoices', 'import'], /file/i],
    [['invoices', 'import', '/nonexistent/invoices'], /cannot read/],
    [['invoices', 'import', '/nonexistent/invoices.csv'], /cannot read \/nonexistent\/invoices\.csv: no such file/],
    [['invoices', 'import', '/nonexistent/invoices.ndjson'], /cannot read .*invoices\.ndjson: no such file/],
    [['invoices', 'import', '/tmp'], /cannot read \/tmp: it is a directory, not a file/],
    [['invoices', 'import', 'a.csv', 'b.csv'], /Unexpected argument: b\.csv/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })

  it("an invoice at another site than its customer's is rejected by line (exit 4) and books nothing", async () => {
    const csv = writeInput(
      home,
      'wrong-site.csv',
      'id,site,customer,amount,currency,issued_at,due_at\ninv-w,tokyo,c1,5.00,EUR,2026-11-04,\n',
    )
    const r = await run(['invoices', 'import', csv, '--json'], {home})
    expect(r.exitCode).toBe(4)
    expect(ImportResult.parse(r.json()).rejected).toEqual([
      {line: 2, error: 'customer "c1" belongs to site "berlin", not "tokyo"'},
    ])
    expect(await balances('c1')).toEqual([{minor: 13000, currency: 'EUR'}])
  })
})
