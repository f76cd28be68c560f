import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {run, tempHome, writeInput} from './helpers.js'
import {AuditList, CustomerList, FxList} from './shapes.js'

// A list cut off at its --limit says so: `truncated` and how to get the rest in the JSON, a line on stderr in the
// table. (transactions and quarantine list are checked the same way in their own files, on a synced world.)
describe('list commands say when there is more than --limit', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  beforeAll(async () => {
    const customers = writeInput(
      home,
      'customers.csv',
      'id,site,segment,name,email\nc1,berlin,retail,A,\nc2,berlin,retail,B,\nc3,berlin,retail,C,\n',
    )
    for (const args of [
      ['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'],
      ['customers', 'import', customers],
      ['fx', 'set', 'EUR', 'USD', '1.08', '--date', '2026-01-01'],
      ['fx', 'set', 'EUR', 'USD', '1.09', '--date', '2026-01-02'],
      ['fx', 'set', 'EUR', 'USD', '1.10', '--date', '2026-01-03'],
    ]) {
      const r = await run(args, {home})
      expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    }
  })

  // Five audit rows, three customers, three rates.
  it.each([
    [
      'audit list',
      ['audit', 'list'],
      5,
      (j: unknown) => AuditList.parse(j).rows.length,
      (j: unknown) => AuditList.parse(j),
    ],
    [
      'customers list',
      ['customers', 'list'],
      3,
      (j: unknown) => CustomerList.parse(j).customers.length,
      (j: unknown) => CustomerList.parse(j),
    ],
    ['fx list', ['fx', 'list'], 3, (j: unknown) => FxList.parse(j).rates.length, (j: unknown) => FxList.parse(j)],
  ])('%s: truncated only when more match than --limit', async (_name, args, total, count, shape) => {
    const cut = await run([...args, '--limit', String(total - 1), '--json'], {home})
    expect(count(cut.json())).toBe(total - 1)
    expect(shape(cut.json())).toMatchObject({truncated: true, limit: total - 1, hint: expect.stringMatching(/--limit/)})

    const whole = await run([...args, '--limit', String(total), '--json'], {home})
    expect(count(whole.json())).toBe(total)
    expect(shape(whole.json())).toMatchObject({truncated: false, limit: total})
    expect(shape(whole.json())).not.toHaveProperty('hint')

    const table = await run([...args, '--limit', String(total - 1)], {home})
    expect(table.stderr).toMatch(new RegExp(`^${total - 1} shown, more match: .*--limit`, 'm'))
    expect((await run([...args, '--limit', String(total)], {home})).stderr).not.toMatch(/more match/)
  })

  it('audit list keeps the most recent rows when it cuts', async () => {
    const rows = AuditList.parse((await run(['audit', 'list', '--limit', '2', '--json'], {home})).json()).rows
    expect(rows.map((r) => r.seq)).toEqual([4, 5])
  })
})
