import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {upsertCustomers} from '../../src/store/repos/customers.js'
import {homeWrite} from '../helpers/home-ledger.js'
import {run, stripeEnv, tempHome, writeInput} from './helpers.js'
import {CustomerDetail, CustomerList, ErrorJson, ImportResult} from './shapes.js'

describe('customers import / list / show', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  beforeAll(async () => {
    for (const args of [
      ['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'],
      ['sites', 'add', 'boston', '--name', 'Boston', '--currency', 'USD'],
    ]) {
      expect((await run(args, {home})).exitCode).toBe(0)
    }
    // A ref.<provider id> column names a provider that exists (ref.acme-eu below).
    expect(
      (await run(['providers', 'add', 'acme-eu', '--kind', 'stripe'], {home, env: stripeEnv('acme-eu')})).exitCode,
    ).toBe(0)
  })

  it('customers import: ref.<gateway> columns become refs, a bad row is named by line (exit 4)', async () => {
    const csv = writeInput(
      home,
      'customers.csv',
      [
        'id,site,segment,name,email,ref.stripe,ref.acme-eu',
        'c1,berlin,retail,Anna,anna@example.com,cus_A1,',
        'c2,berlin,vip,Bruno,bruno@example.com,,AC-2',
        'c3,boston,retail,"Bolt, Inc.",ops@bolt.example,cus_C3,',
        'c4,nowhere,retail,Ghost,ghost@example.com,,',
      ].join('\n'),
    )
    const r = await run(['customers', 'import', csv, '--json'], {home})
    expect(r.exitCode).toBe(4)
    expect(ImportResult.parse(r.json())).toEqual({
      inserted: 3,
      updated: 0,
      unchanged: 0,
      rejected: [{line: 5, error: expect.stringMatching(/unknown site "nowhere"/)}],
    })
  })

  it('JSON lines may nest refs; an unchanged row counts as unchanged (exit 0)', async () => {
    const jsonl = writeInput(
      home,
      'customers.jsonl',
      '{"id":"c1","site":"berlin","segment":"retail","name":"Anna","email":"anna@example.com","ref":{"stripe":"cus_A1"}}\n{"id":"c5","site":"boston","segment":"wholesale","ref":{"square":"SQ-5"}}\n',
    )
    const r = await run(['customers', 'import', jsonl, '--json'], {home})
    expect(r.exitCode).toBe(0)
    expect(ImportResult.parse(r.json())).toEqual({inserted: 1, updated: 0, unchanged: 1, rejected: []})
  })

  it('customers list: every customer with its refs, in id order', async () => {
    const r = await run(['customers', 'list', '--json'], {home})
    expect(r.exitCode).toBe(0)
    expect(CustomerList.parse(r.json()).customers).toEqual([
      {id: 'c1', site: 'berlin', segment: 'retail', name: 'Anna', email: 'anna@example.com', refs: {stripe: 'cus_A1'}},
      {id: 'c2', site: 'berlin', segment: 'vip', name: 'Bruno', email: 'bruno@example.com', refs: {'acme-eu': 'AC-2'}},
      {
        id: 'c3',
        site: 'boston',
        segment: 'retail',
        name: 'Bolt, Inc.',
        email: 'ops@bolt.example',
        refs: {stripe: 'cus_C3'},
      },
      {id: 'c5', site: 'boston', segment: 'wholesale', name: null, email: null, refs: {square: 'SQ-5'}},
    ])
  })

  it.each([
    [
      ['--site', 'berlin'],
      ['c1', 'c2'],
    ],
    [
      ['--segment', 'retail'],
      ['c1', 'c3'],
    ],
    [['--site', 'berlin', '--segment', 'retail'], ['c1']],
    [
      ['--limit', '3'],
      ['c1', 'c2', 'c3'],
    ],
  ])('customers list %j selects %j', async (flags, ids) => {
    const r = await run(['customers', 'list', ...flags, '--json'], {home})
    expect(r.exitCode).toBe(0)
    expect(CustomerList.parse(r.json()).customers.map((c) => c.id)).toEqual(ids)
  })

  it('customers show: balances per currency, the base-currency total once a rate exists', async () => {
    const invoices = writeInput(
      home,
      'invoices.csv',
      'id,site,customer,amount,currency,issued_at,due_at\ninv-1,berlin,c1,125.50,EUR,2026-11-01,\ninv-2,berlin,c1,10.00,USD,2026-11-02,\n',
    )
    expect((await run(['invoices', 'import', invoices], {home})).exitCode).toBe(0)

    const before = CustomerDetail.parse((await run(['customers', 'show', 'c1', '--json'], {home})).json())
    expect(before).toMatchObject({id: 'c1', site: 'berlin', name: 'Anna', refs: {stripe: 'cus_A1'}, recent: []})
    expect(before.balances).toEqual([
      {minor: 12550, currency: 'EUR'},
      {minor: 1000, currency: 'USD'},
    ])
    // Without a USD rate only the EUR part converts, and the error says which rate is missing.
    expect(before.baseBalance).toEqual({minor: 12550, currency: 'EUR'})
    expect(before.baseBalanceError).toMatch(/USD to EUR/)

    expect((await run(['fx', 'set', 'USD', 'EUR', '0.9', '--date', '2026-01-01'], {home})).exitCode).toBe(0)
    const after = CustomerDetail.parse((await run(['customers', 'show', 'c1', '--json'], {home})).json())
    // 10.00 USD at 0.9 is 9.00 EUR: 125.50 + 9.00.
    expect(after.baseBalance).toEqual({minor: 13450, currency: 'EUR'})
    expect(after.baseBalanceError).toBeNull()
  })

  it.each([
    [['customers', 'show', 'nobody'], /unknown customer "nobody"/],
    [['customers', 'show'], /id/i],
    [['customers', 'list', '--site', 'tokyo'], /--site tokyo: unknown site/],
    [['customers', 'list', '--limit', '0'], /--limit/],
    [['customers', 'list', '--limit', 'many'], /--limit/],
    [['customers', 'import'], /file/i],
    [['customers', 'import', '/nonexistent/customers'], /cannot read/],
    [['customers', 'import', '/nonexistent/customers.csv'], /cannot read \/nonexistent\/customers\.csv: no such file/],
    [['customers', 'import', '/nonexistent/customers.jsonl'], /cannot read .*customers\.jsonl: no such file/],
    [['customers', 'import', '/'], /cannot read \/: it is a directory, not a file/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })

  it('an unknown customer names the command that lists them', async () => {
    const r = await run(['customers', 'show', 'nobody', '--json'], {home})
    expect(ErrorJson.parse(r.json()).error.hint).toMatch(/customers list/)
  })

  it('a misspelt ref column is one error for the file (exit 2) naming the nearest valid name', async () => {
    const csv = writeInput(home, 'typo.csv', 'id,site,ref.strpe\nc8,berlin,cus_8\nc9,berlin,cus_9\n')
    const r = await run(['customers', 'import', csv, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(
      /unknown column "ref\.strpe" \(did you mean "ref\.stripe"\?\)/,
    )
  })

  it('the help states the length limits of the fields', async () => {
    const r = await run(['customers', 'import', '--help'], {home})
    expect(r.stdout).toMatch(/name.*200/)
    expect(r.stdout).toMatch(/email.*254/)
  })
})

// Item 3: a 10 MB name (stored before the import limits, or by any other path) made `customers list --json` die
// with "Maximum call stack size exceeded" in oclif's JSON colourizer.
describe('customers list --json with a huge stored value', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('prints the whole value as JSON', async () => {
    expect((await run(['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'], {home})).exitCode).toBe(0)
    const huge = 'x'.repeat(10 * 1024 * 1024)
    await homeWrite(home, upsertCustomers.ops([{id: 'big', site: 'berlin', name: huge}]))
    const r = await run(['customers', 'list', '--json'], {home})
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    expect(CustomerList.parse(r.json()).customers[0]!.name).toBe(huge)
  })
})
