import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {z} from 'zod'

import type {SyncWorld} from '../helpers/sync-world.js'
import {run} from './helpers.js'
import {ErrorJson, QuarantineList, ReplayResult, type QuarantineItem} from './shapes.js'
import {stripeWorld} from './world.js'

type Item = z.infer<typeof QuarantineItem>

// The provider may write retail and wholesale customers only: every vip customer's object waits in quarantine.
describe('quarantine list / replay (after a sync without a vip grant)', () => {
  let world: SyncWorld
  let open: Item[]
  const list = async (flags: string[]) => {
    const r = await run(['quarantine', 'list', ...flags, '--json'], {home: world.home})
    expect(r.exitCode, r.stdout).toBe(0)
    return QuarantineList.parse(r.json()).items
  }
  const replay = async (flags: string[]) => {
    const r = await run(['quarantine', 'replay', ...flags, '--json'], {home: world.home, env: world.env})
    expect(r.exitCode, r.stdout).toBe(0)
    return ReplayResult.parse(r.json())
  }

  beforeAll(async () => {
    world = await stripeWorld({segments: ['retail', 'wholesale'], sync: true})
    open = await list(['--limit', '100000'])
  })
  afterAll(() => world?.close())

  it('quarantine list: the vip objects, open, access_denied, most recently seen first, without raw payloads', async () => {
    expect(open.length).toBeGreaterThan(1)
    // The vip payments are denied; their refunds and disputes wait for them (awaiting_parent).
    expect(new Set(open.map((q) => `${q.provider} ${q.reason} ${q.status}`))).toEqual(
      new Set(['acme-stripe access_denied open', 'acme-stripe awaiting_parent open']),
    )
    expect(open.every((q) => q.raw === undefined)).toBe(true)
    const recent = [...open].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    expect(open.map((q) => q.updatedAt)).toEqual(recent.map((q) => q.updatedAt))
    expect(await list([])).toEqual(open.slice(0, 50))
  })

  it('a list cut at --limit says so and how to get the rest; one that is whole says truncated: false', async () => {
    const page = async (flags: string[]) =>
      QuarantineList.parse((await run(['quarantine', 'list', ...flags, '--json'], {home: world.home})).json())
    expect(await page(['--limit', String(open.length - 1)])).toMatchObject({
      truncated: true,
      limit: open.length - 1,
      hint: expect.stringMatching(/--limit/),
    })
    expect(await page(['--limit', String(open.length)])).toMatchObject({truncated: false, items: open})
    const table = await run(['quarantine', 'list', '--limit', '1'], {home: world.home})
    expect(table.stderr).toMatch(/^1 shown, more match: .*--limit/m)
  })

  const every = ['--limit', '100000']
  it.each([
    [['--limit', '1'], (items: Item[]) => items.slice(0, 1)],
    [['--reason', 'access_denied', ...every], (items: Item[]) => items.filter((q) => q.reason === 'access_denied')],
    [['--reason', 'unknown_customer', ...every], () => []],
    [['--provider', 'acme-stripe', ...every], (items: Item[]) => items],
    [['--status', 'replayed', ...every], () => []],
    [['--status', 'all', ...every], (items: Item[]) => items],
  ])('quarantine list %j', async (flags, expected) => {
    expect(await list(flags)).toEqual(expected(open))
  })

  it('--raw adds exactly what the gateway sent', async () => {
    const [item] = await list(['--raw', '--limit', '1'])
    expect(item).toMatchObject({...open[0], raw: expect.objectContaining({id: open[0]!.externalId})})
  })

  it('replay before the grant: every item considered, none applied, all still quarantined', async () => {
    expect(await replay(['--all'])).toEqual({
      considered: open.length,
      applied: 0,
      stillQuarantined: open.length,
      notReplayable: 0,
    })
  })

  it('after `providers grant --segment vip`, replay --id applies just those items', async () => {
    expect(
      (await run(['providers', 'grant', 'acme-stripe', '--segment', 'vip'], {home: world.home, env: world.env}))
        .exitCode,
    ).toBe(0)
    // Two denied payments with no refund or dispute waiting for them: a payment brings its waiting children along.
    const alone = open.filter(
      (q) =>
        q.reason === 'access_denied' &&
        !open.some((c) => c.reason === 'awaiting_parent' && c.detail.includes(`payment ${q.externalId} `)),
    )
    const chosen = [alone[0]!.id, alone[1]!.id]
    expect(await replay(['--id', String(chosen[0]), '--id', String(chosen[1])])).toEqual({
      considered: 2,
      applied: 2,
      stillQuarantined: 0,
      notReplayable: 0,
    })
    expect((await list(['--status', 'replayed'])).map((q) => q.id).sort()).toEqual([...chosen].sort())
    expect((await list(['--limit', '100000'])).map((q) => q.id)).toEqual(
      open.map((q) => q.id).filter((id) => !chosen.includes(id)),
    )
  })

  // Between the two replays: two items are replayed, the rest still open and now applicable.
  it('replay --id of an id that does not exist or is not open exits 2 naming each, and replays none of them', async () => {
    const replayed = Math.min(...(await list(['--status', 'replayed'])).map((q) => q.id))
    const stillOpen = (await list([]))[0]!.id
    const r = await run(
      ['quarantine', 'replay', '--id', String(stillOpen), '--id', '999999', '--id', String(replayed), '--json'],
      {home: world.home, env: world.env},
    )
    expect(r.exitCode, r.stdout).toBe(2)
    const {error} = ErrorJson.parse(r.json())
    expect(error.message).toBe(`--id: no quarantined item 999999; not open: ${replayed} (replayed)`)
    expect(error.hint).toMatch(/quarantine list --status all/)
    expect((await list(['--limit', '100000'])).map((q) => q.id)).toContain(stillOpen)
  })

  it('replay --all applies the rest; nothing stays open and every item is listed under --status all', async () => {
    expect(await replay(['--all'])).toEqual({
      considered: open.length - 2,
      applied: open.length - 2,
      stillQuarantined: 0,
      notReplayable: 0,
    })
    expect(await list([])).toEqual([])
    expect((await list(['--status', 'all', '--limit', '100000'])).map((q) => q.id).sort()).toEqual(
      open.map((q) => q.id).sort(),
    )
  })

  it.each([
    [['quarantine', 'replay'], /--id N .* or --all/],
    [['quarantine', 'replay', '--id', '1', '--all'], /exclude each other/],
    [['quarantine', 'replay', '--id', '0'], /--id/],
    [['quarantine', 'replay', '--id', 'first'], /--id/],
    [['quarantine', 'list', '--reason', 'bored'], /--reason/],
    [['quarantine', 'list', '--status', 'closed'], /--status/],
    [['quarantine', 'list', '--limit', '0'], /--limit/],
    [['quarantine', 'list', '--provider', 'other'], /--provider other: unknown provider/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home: world.home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })
})
