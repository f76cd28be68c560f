import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {z} from 'zod'

import type {SyncWorld} from '../helpers/sync-world.js'
import {run, secretEnv, tempHome} from './helpers.js'
import {ErrorJson, QuarantineList, Status as StatusShape} from './shapes.js'
import {stripeWorld} from './world.js'

type Status = z.infer<typeof StatusShape>

describe('status on an empty home', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  // A home exists once a setup command has made its ledger (an exchange rate: no site, no provider); a directory
  // without one is refused (test/e2e/home-cron.test.ts).
  beforeAll(async () => {
    expect((await run(['fx', 'set', 'EUR', 'USD', '1.1'], {home})).exitCode).toBe(0)
  })

  it('nothing configured: no providers, no sites, nothing quarantined', async () => {
    const before = Date.now()
    const r = await run(['status', '--json'], {home})
    expect(r.exitCode).toBe(0)
    const s = StatusShape.parse(r.json())
    expect(s).toMatchObject({
      providers: [],
      sites: [],
      quarantine: {open: 0, byReason: {}},
      exceptions: {open: 0, bySite: []},
    })
    expect(Date.parse(s.at)).toBeGreaterThanOrEqual(before - 1)
  })

  it.each([
    [['status', '--verbose'], /--verbose/],
    [['status', '--no-color', 'now'], /Unexpected argument: now/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })
})

// The provider may not write vip customers, so the sync leaves their objects in quarantine.
describe('status of an imported world, before and after a sync', () => {
  let world: SyncWorld
  const status = async (): Promise<Status> => {
    const r = await run(['status', '--json'], {home: world.home})
    expect(r.exitCode, r.stdout).toBe(0)
    return StatusShape.parse(r.json())
  }

  beforeAll(async () => void (world = await stripeWorld({segments: ['retail', 'wholesale']})))
  afterAll(() => world?.close())

  it('before any sync: the provider is unknown and each site owes exactly its imported invoices', async () => {
    const s = await status()
    expect(s.providers).toEqual([
      {
        id: 'acme-stripe',
        kind: 'stripe',
        enabled: true,
        health: 'unknown',
        uptimePctLastHour: null,
        lagMs: null,
        lastSync: null,
        lastError: null,
        failures24h: 0,
        quarantined: 0,
        pendingRetries: 0,
      },
    ])
    const owed = new Map<string, number>()
    for (const inv of world.scenario.invoices)
      owed.set(
        `${inv.site} ${inv.amount.currency}`,
        (owed.get(`${inv.site} ${inv.amount.currency}`) ?? 0) + inv.amount.minor,
      )
    const shown = s.sites.flatMap((site) => site.balances.map((b) => [`${site.id} ${b.currency}`, b.minor] as const))
    expect(new Map(shown)).toEqual(owed)
    for (const site of s.sites.filter((x) => x.balances.length > 0)) {
      // Invoices are in the site's currency, so the total needs no rate.
      expect(site.totalInBase).toEqual({minor: owed.get(`${site.id} ${site.currency}`), currency: site.currency})
      expect(site.missingRates).toEqual([])
    }
  })

  it('after the sync: healthy, synced, and its quarantine counted as `quarantine list` shows it', async () => {
    const sync = await run(['sync', '--json'], {home: world.home, env: world.env})
    expect(sync.exitCode).toBe(0)
    const open = QuarantineList.parse(
      (await run(['quarantine', 'list', '--limit', '100000', '--json'], {home: world.home})).json(),
    ).items
    expect(open.length).toBeGreaterThan(0)
    const s = await status()
    expect(s.providers[0]).toMatchObject({
      id: 'acme-stripe',
      health: 'ok',
      uptimePctLastHour: 100,
      lastSync: {status: 'ok'},
      lastError: null,
      failures24h: 0,
      quarantined: open.length,
    })
    expect(s.providers[0]!.lagMs).not.toBeNull()
    const denied = open.filter((q) => q.reason === 'access_denied').length
    // The denied payments' refunds and disputes wait for them.
    expect(s.quarantine).toEqual({
      open: open.length,
      byReason: {access_denied: denied, awaiting_parent: open.length - denied},
    })
  })

  it('a disabled provider shows as disabled', async () => {
    expect((await run(['providers', 'disable', 'acme-stripe'], {home: world.home, env: world.env})).exitCode).toBe(0)
    expect((await status()).providers[0]).toMatchObject({enabled: false, health: 'disabled'})
    expect((await run(['providers', 'enable', 'acme-stripe'], {home: world.home, env: world.env})).exitCode).toBe(0)
  })

  it('a provider whose sync failed is failing, with the error and the failure counted', async () => {
    const env = {...world.env, ...secretEnv('broken', {api_key: 'sk_test_wrong', webhook_secret: 'whsec_wrong'})}
    expect(
      (
        await run(['providers', 'add', 'broken', '--kind', 'stripe', '--base-url', world.stripe.baseUrl], {
          home: world.home,
          env,
        })
      ).exitCode,
    ).toBe(0)
    expect((await run(['sync', '--provider', 'broken', '--json'], {home: world.home, env})).exitCode).toBe(77)
    const broken = (await status()).providers.find((p) => p.id === 'broken')
    expect(broken).toMatchObject({
      health: 'failing',
      lastSync: {status: 'failed'},
      failures24h: 1,
      lastError: {message: expect.any(String)},
    })
  })

  it('without --json: one screen naming each provider and site', async () => {
    const r = await run(['status'], {home: world.home})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/acme-stripe/)
    expect(r.stdout).toMatch(/broken/)
    for (const site of (await status()).sites) expect(r.stdout).toContain(site.id)
  })
})
