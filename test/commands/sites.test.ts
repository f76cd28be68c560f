import {afterAll, describe, expect, it} from 'vitest'

import {run, tempHome, words, writeInput} from './helpers.js'
import {ErrorJson, ImportResult, Site, SiteList} from './shapes.js'

describe('sites add / list', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('sites add maps each flag onto the saved site; codes are normalised; a second add updates', async () => {
    const full = await run(
      [
        ...words('sites add berlin --name'),
        'Berlin Mitte',
        ...words('--currency eur --country de --timezone Europe/Berlin --json'),
      ],
      {home},
    )
    expect(full.exitCode, full.stdout).toBe(0)
    expect(Site.parse(full.json())).toEqual({
      id: 'berlin',
      name: 'Berlin Mitte',
      currency: 'EUR',
      country: 'DE',
      timezone: 'Europe/Berlin',
    })

    const bare = await run(['sites', 'add', 'boston', '--name', 'Boston', '--currency', 'USD', '--json'], {home})
    expect(Site.parse(bare.json())).toEqual({
      id: 'boston',
      name: 'Boston',
      currency: 'USD',
      country: null,
      timezone: null,
    })

    const renamed = await run(['sites', 'add', 'berlin', '--name', 'Berlin Ost', '--currency', 'EUR', '--json'], {home})
    expect(Site.parse(renamed.json())).toMatchObject({id: 'berlin', name: 'Berlin Ost'})

    const list = await run(['sites', 'list', '--json'], {home})
    expect(list.exitCode).toBe(0)
    expect(SiteList.parse(list.json()).sites.map((s) => `${s.id}:${s.name}:${s.currency}`)).toEqual([
      'berlin:Berlin Ost:EUR',
      'boston:Boston:USD',
    ])
  })

  it('without --json, sites list prints a table rather than JSON', async () => {
    const table = await run(['sites', 'list'], {home})
    expect(table.exitCode).toBe(0)
    expect(table.stdout).toMatch(/boston\s.*Boston\s.*USD/)
    expect(() => JSON.parse(table.stdout)).toThrow()
  })

  it.each([
    [['sites', 'add', 'x', '--currency', 'EUR'], /name/],
    [['sites', 'add', 'x', '--name', 'X'], /currency/],
    [['sites', 'add', '--name', 'X', '--currency', 'EUR'], /id/i],
    [['sites', 'add', 'x', '--name', 'X', '--currency', 'XYZ'], /--currency: .*XYZ/],
    [['sites', 'add', 'x', '--name', 'X', '--currency', 'EUR', '--country', 'DEU'], /--country/],
    [['sites', 'add', 'x', '--name', 'X', '--currency', 'EUR', '--timezone', 'Mars/Olympus'], /--timezone/],
    [['sites', 'add', 'x', '--name', 'X', '--currency', 'EUR', '--colour', 'red'], /--colour/],
    // After a flag: before one, oclif would read `extra` as part of the command id (command not found).
    [['sites', 'list', '--no-color', 'extra'], /Unexpected argument: extra/],
  ])('%j exits 2 naming the problem', async (args, message) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error).toMatchObject({exitCode: 2, message: expect.stringMatching(message)})
  })

  it('a refused add saves nothing', async () => {
    const list = SiteList.parse((await run(['sites', 'list', '--json'], {home})).json())
    expect(list.sites.map((s) => s.id)).toEqual(['berlin', 'boston'])
  })
})

describe('sites import', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('good rows land, a bad row is named by line and the exit is 4; importing again changes nothing', async () => {
    const csv = writeInput(
      home,
      'sites.csv',
      'id,name,currency,country,timezone\nberlin,Berlin,EUR,DE,Europe/Berlin\ntokyo,Tokyo,jpy,JP,Asia/Tokyo\nmars,Mars Base,XYZ,,\n',
    )
    const first = await run(['sites', 'import', csv, '--json'], {home})
    expect(first.exitCode).toBe(4)
    expect(ImportResult.parse(first.json())).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      rejected: [{line: 4, error: expect.stringContaining('XYZ')}],
    })
    const again = await run(['sites', 'import', csv, '--json'], {home})
    expect(ImportResult.parse(again.json())).toMatchObject({inserted: 0, updated: 0, unchanged: 2})
    const sites = SiteList.parse((await run(['sites', 'list', '--json'], {home})).json()).sites
    expect(sites).toEqual([
      {id: 'berlin', name: 'Berlin', currency: 'EUR', country: 'DE', timezone: 'Europe/Berlin'},
      {id: 'tokyo', name: 'Tokyo', currency: 'JPY', country: 'JP', timezone: 'Asia/Tokyo'},
    ])
  })

  it('JSON lines update a site; with no rejected row the exit is 0', async () => {
    const jsonl = writeInput(home, 'sites.jsonl', '{"id":"tokyo","name":"Tokyo Ginza","currency":"JPY"}\n')
    const r = await run(['sites', 'import', jsonl, '--json'], {home})
    expect(r.exitCode).toBe(0)
    expect(ImportResult.parse(r.json())).toEqual({inserted: 0, updated: 1, unchanged: 0, rejected: []})
    const tokyo = SiteList.parse((await run(['sites', 'list', '--json'], {home})).json()).sites.find(
      (s) => s.id === 'tokyo',
    )
    expect(tokyo).toEqual({id: 'tokyo', name: 'Tokyo Ginza', currency: 'JPY', country: null, timezone: null})
  })

  it('a missing FILE argument or an unreadable file exits 2', async () => {
    expect((await run(['sites', 'import', '--json'], {home})).exitCode).toBe(2)
    const missing = await run(['sites', 'import', `${home}/no-such-file`, '--json'], {home})
    expect(missing.exitCode).toBe(2)
    expect(ErrorJson.parse(missing.json()).error.message).toMatch(/cannot read .*no such file/)
  })

  it('a missing *.jsonl file exits 2 like any unreadable file', async () => {
    const r = await run(['sites', 'import', `${home}/no-such-file.jsonl`, '--json'], {home})
    expect(r.exitCode).toBe(2)
  })

  it('a missing *.csv file exits 2 like any unreadable file', async () => {
    const r = await run(['sites', 'import', `${home}/no-such-file.csv`, '--json'], {home})
    expect(r.exitCode).toBe(2)
  })

  it('a directory exits 2 with a JSON error naming it', async () => {
    const r = await run(['sites', 'import', home, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toBe(`cannot read ${home}: it is a directory, not a file`)
  })

  it('an empty file exits 2 saying so; a header without rows exits 0 with a warning', async () => {
    const empty = writeInput(home, 'empty.csv', '')
    const r = await run(['sites', 'import', empty, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toBe(`${empty} is empty: expected a header line and rows`)
    const headerOnly = writeInput(home, 'header.csv', 'id,name,currency\n')
    const h = await run(['sites', 'import', headerOnly, '--json'], {home})
    expect(h.exitCode).toBe(0)
    expect(h.json()).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: [],
      warnings: [`${headerOnly} has a header but no rows: nothing was imported`],
    })
  })

  it('sites add of an existing id may not change the currency once postings exist (exit 2)', async () => {
    const customers = writeInput(home, 'c.csv', 'id,site\nc1,berlin\n')
    const invoices = writeInput(
      home,
      'i.csv',
      'id,site,customer,amount,currency,issued_at,due_at\ni1,berlin,c1,1.00,EUR,2026-01-01,\n',
    )
    expect((await run(['customers', 'import', customers], {home})).exitCode).toBe(0)
    expect((await run(['invoices', 'import', invoices], {home})).exitCode).toBe(0)
    const r = await run(['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'USD', '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(/has ledger postings in its base currency EUR/)
  })
})
