import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {z} from 'zod'

import type {SyncWorld} from '../helpers/sync-world.js'
import {formatMoney} from '../../src/core/money.js'
import {run} from './helpers.js'
import {ErrorJson, TxnDetail, TxnList, type TxnSummary} from './shapes.js'
import {stripeWorld} from './world.js'

type Txn = z.infer<typeof TxnSummary>

describe('transactions list / show (after a sync)', () => {
  let world: SyncWorld
  let all: Txn[]
  const list = async (flags: string[]) => {
    const r = await run(['transactions', 'list', ...flags, '--json'], {home: world.home})
    expect(r.exitCode, r.stdout).toBe(0)
    return TxnList.parse(r.json()).transactions
  }

  beforeAll(async () => {
    world = await stripeWorld({sync: true})
    all = await list(['--limit', '100000'])
  })
  afterAll(() => world?.close())

  /** The least common value of a field: a filter on it must select some rows but not all. */
  const rareValue = (field: 'customer' | 'site' | 'status' | 'type'): string => {
    const counts = new Map<string, number>()
    for (const t of all) if (t[field] !== null) counts.set(t[field]!, (counts.get(t[field]!) ?? 0) + 1)
    return [...counts].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0]
  }

  it('the synced world lists newest first, 50 by default', async () => {
    expect(all.length).toBeGreaterThan(50)
    const sorted = [...all].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt))
    expect(all.map((t) => t.occurredAt)).toEqual(sorted.map((t) => t.occurredAt))
    expect(await list([])).toEqual(all.slice(0, 50))
    expect(await list(['--limit', '7'])).toEqual(all.slice(0, 7))
  })

  it('a list cut at --limit says so and how to get the rest; one that is whole says truncated: false', async () => {
    const page = async (flags: string[]) =>
      TxnList.parse((await run(['transactions', 'list', ...flags, '--json'], {home: world.home})).json())
    expect(await page([])).toMatchObject({truncated: true, limit: 50, hint: expect.stringMatching(/--limit/)})
    expect(await page(['--limit', String(all.length - 1)])).toMatchObject({truncated: true})
    const whole = await page(['--limit', String(all.length)])
    expect(whole).toMatchObject({truncated: false, limit: all.length})
    expect(whole.transactions).toEqual(all)
    const table = await run(['transactions', 'list'], {home: world.home})
    expect(table.stderr).toMatch(/^50 shown, more match: .*--limit/m)
  })

  it.each(['customer', 'site', 'status', 'type'] as const)(
    '--%s selects exactly the transactions with that value',
    async (field) => {
      const value = rareValue(field)
      const expected = all.filter((t) => t[field] === value)
      expect(expected.length).toBeGreaterThan(0)
      expect(expected.length).toBeLessThan(all.length)
      expect(await list([`--${field}`, value, '--limit', '100000'])).toEqual(expected)
    },
  )

  it('--provider selects by connection: every one for acme-stripe; one that is not configured is a usage error', async () => {
    expect(await list(['--provider', 'acme-stripe', '--limit', '100000'])).toEqual(all)
    const other = await run(['transactions', 'list', '--provider', 'other', '--json'], {home: world.home})
    expect(other.exitCode).toBe(2)
    expect(ErrorJson.parse(other.json()).error.message).toBe('--provider other: unknown provider')
  })

  it('--since keeps what occurred at or after it, in any UTC offset', async () => {
    const middle = all[Math.floor(all.length / 2)]!.occurredAt
    const expected = all.filter((t) => t.occurredAt >= middle)
    expect(await list(['--since', middle, '--limit', '100000'])).toEqual(expected)
    // The same instant written with a +02:00 offset.
    const shifted = new Date(Date.parse(middle) + 2 * 3_600_000).toISOString().replace('Z', '+02:00')
    expect(await list(['--since', shifted, '--limit', '100000'])).toEqual(expected)
  })

  it('flags combine: --type and --status together', async () => {
    const expected = all.filter((t) => t.type === 'payment' && t.status === 'succeeded')
    expect(expected.length).toBeGreaterThan(0)
    expect(await list(['--type', 'payment', '--status', 'succeeded', '--limit', '100000'])).toEqual(expected)
  })

  it('transactions show: the stored transaction, its states, balanced postings and the raw gateway object', async () => {
    const paid = all.find((t) => t.type === 'payment' && t.status === 'succeeded')!
    const r = await run(['transactions', 'show', paid.id, '--json'], {home: world.home})
    expect(r.exitCode).toBe(0)
    const d = TxnDetail.parse(r.json())
    expect(d.transaction).toMatchObject({
      id: paid.id,
      provider: 'acme-stripe',
      type: 'payment',
      status: 'succeeded',
      amount: paid.amount,
    })
    expect(d.states.at(-1)).toMatchObject({status: 'succeeded', amount: paid.amount})
    expect(d.postings.length).toBeGreaterThan(0)
    const sums = new Map<string, number>()
    for (const p of d.postings)
      sums.set(
        `${p.version} ${p.amount.currency}`,
        (sums.get(`${p.version} ${p.amount.currency}`) ?? 0) + p.amount.minor,
      )
    expect([...sums.values()].every((s) => s === 0)).toBe(true)
    expect(d.raw).toMatchObject({id: paid.id.slice('acme-stripe:'.length)})
  })

  it('without --json, show prints the transaction and its raw form for a person', async () => {
    const r = await run(['transactions', 'show', all[0]!.id], {home: world.home})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain(all[0]!.id)
    expect(r.stdout).toMatch(/^raw: \{/m)
  })

  it('without --json, every amount show prints is in major units: no minor-unit integers for a person', async () => {
    const paid = all.find((t) => t.type === 'payment' && t.status === 'succeeded')!
    const d = TxnDetail.parse((await run(['transactions', 'show', paid.id, '--json'], {home: world.home})).json())
    const r = await run(['transactions', 'show', paid.id], {home: world.home})
    const shown = r.stdout.slice(0, r.stdout.indexOf('\nraw: ')) // the raw payload is the gateway's own text
    expect(shown).not.toMatch(/minor/)
    expect(shown).toMatch(new RegExp(`^amount +${formatMoney(paid.amount).replace('.', '\\.')}$`, 'm'))
    for (const p of d.postings) expect(shown).toContain(formatMoney(p.amount))
  })

  it.each([
    [['transactions', 'show', 'acme-stripe:ch_nope'], /unknown transaction "acme-stripe:ch_nope"/],
    [['transactions', 'show'], /id/i],
    [['transactions', 'list', '--status', 'settled'], /--status/],
    [['transactions', 'list', '--type', 'gift'], /--type/],
    [['transactions', 'list', '--since', 'last week'], /--since/],
    [['transactions', 'list', '--limit', '0'], /--limit/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home: world.home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })
})
