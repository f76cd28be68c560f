import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {manualClock, serveStripe, WORLD_END, worldScenario, type ServedStripe} from '../helpers/sync-world.js'
import {run, secretEnv, stripeEnv, tempHome, words} from './helpers.js'
import {ErrorJson, GrantResult, Provider, ProviderList, RemoveResult, TestResult} from './shapes.js'

// Every provider of this file has all its secret fields in the environment, so presence checks never ask a keychain.
const env = {
  ...stripeEnv('acme'),
  ...stripeEnv('bare'),
  ...stripeEnv('gone'),
  ...secretEnv('eu', {api_key: 'k', hmac_key: 'h'}),
}
const SITES = [
  ['berlin', 'EUR'],
  ['boston', 'USD'],
  ['tokyo', 'JPY'],
] as const
const grantKeys = (p: {grants: Array<{segment: string; site: string; access: string}>}) =>
  p.grants.map((g) => `${g.segment}@${g.site}:${g.access}`).sort()

async function addSites(home: string): Promise<void> {
  for (const [id, currency] of SITES)
    expect((await run(['sites', 'add', id, '--name', id, '--currency', currency], {home})).exitCode).toBe(0)
}

describe('providers add / show / list', () => {
  const {home, cleanup} = tempHome()
  beforeAll(() => addSites(home))
  afterAll(cleanup)

  it('without the optional flags: the real gateway, no sites, no grants (default deny)', async () => {
    const r = await run(['providers', 'add', 'bare', '--kind', 'stripe', '--json'], {home, env})
    expect(Provider.parse(r.json())).toMatchObject({
      id: 'bare',
      baseUrl: 'https://api.stripe.com',
      sites: [],
      grants: [],
      fallback: null,
      retrySchedule: null,
      maxRetries: null,
    })
  })

  it('providers add maps every flag onto the connection', async () => {
    const r = await run(
      words(
        'providers add acme --kind stripe --base-url http://127.0.0.1:9/ --site berlin --site boston --segment retail --segment vip --fallback bare --retry-schedule 5m,30m,2h --max-retries 3 --json',
      ),
      {home, env},
    )
    expect(r.exitCode, r.stdout).toBe(0)
    const p = Provider.parse(r.json())
    expect(p).toMatchObject({
      id: 'acme',
      kind: 'stripe',
      enabled: true,
      baseUrl: 'http://127.0.0.1:9/',
      sites: ['berlin', 'boston'],
      settings: {},
      fallback: 'bare',
      retrySchedule: '5m,30m,2h',
      maxRetries: 3,
      lastSync: null,
    })
    // --segment grants write on each of the provider's sites.
    expect(grantKeys(p)).toEqual(['retail@berlin:write', 'retail@boston:write', 'vip@berlin:write', 'vip@boston:write'])
    expect(p.secrets).toEqual([
      {field: 'api_key', source: 'env', envVar: 'YMS_PAY_SECRET_ACME_API_KEY', use: 'api'},
      {field: 'webhook_secret', source: 'env', envVar: 'YMS_PAY_SECRET_ACME_WEBHOOK_SECRET', use: 'webhooks'},
    ])
  })

  it('--setting is validated against the kind: Adyen needs merchant_account', async () => {
    const missing = await run(['providers', 'add', 'eu', '--kind', 'adyen', '--json'], {home, env})
    expect(missing.exitCode).toBe(2)
    expect(ErrorJson.parse(missing.json()).error.message).toMatch(/merchant_account/)
    const r = await run(
      ['providers', 'add', 'eu', '--kind', 'adyen', '--setting', 'merchant_account=AcmeEU', '--json'],
      {home, env},
    )
    expect(r.exitCode).toBe(0)
    expect(Provider.parse(r.json())).toMatchObject({id: 'eu', kind: 'adyen', settings: {merchant_account: 'AcmeEU'}})
  })

  it('providers show returns what add stored; providers list has every connection in id order', async () => {
    const show = Provider.parse((await run(['providers', 'show', 'acme', '--json'], {home, env})).json())
    expect(show).toMatchObject({
      id: 'acme',
      baseUrl: 'http://127.0.0.1:9/',
      sites: ['berlin', 'boston'],
      fallback: 'bare',
      maxRetries: 3,
    })
    const list = ProviderList.parse((await run(['providers', 'list', '--json'], {home, env})).json()).providers
    expect(list.map((p) => `${p.id}:${p.kind}`)).toEqual(['acme:stripe', 'bare:stripe', 'eu:adyen'])
    expect(list[0]).toEqual(show)
  })

  it('without --json, list prints a table showing grants and where each secret comes from', async () => {
    const r = await run(['providers', 'list'], {home, env})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/bare\s.*stripe\s.*none \(deny\)/)
    expect(r.stdout).toMatch(/api_key:env/)
  })

  it.each([
    [['providers', 'add', 'x'], /--kind/],
    [['providers', 'add', 'x', '--kind', 'bitcoin'], /--kind/],
    [['providers', 'add', 'acme', '--kind', 'stripe'], /already exists/],
    [['providers', 'add', 'x', '--kind', 'stripe', '--base-url', 'ftp://example.com'], /--base-url/],
    [['providers', 'add', 'x', '--kind', 'stripe', '--retry-schedule', '2h,5m'], /--retry-schedule/],
    [['providers', 'add', 'x', '--kind', 'stripe', '--max-retries', '51'], /--max-retries/],
    [['providers', 'add', 'x', '--kind', 'adyen', '--setting', 'merchant_account'], /--setting/],
    [['providers', 'add', '--kind', 'stripe'], /id/i],
    [['providers', 'show', 'nope'], /unknown provider "nope"/],
    [['providers', 'show'], /id/i],
  ])('%j exits 2 and adds nothing', async (args, message) => {
    const r = await run([...args, '--json'], {home, env})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
    const ids = ProviderList.parse((await run(['providers', 'list', '--json'], {home, env})).json()).providers.map(
      (p) => p.id,
    )
    expect(ids).toEqual(['acme', 'bare', 'eu'])
  })

  it('secrets from stdin need a keychain: without one, add exits 78 naming the variable instead, and adds nothing', async () => {
    const r = await run(['providers', 'add', 'keyed', '--kind', 'stripe', '--secrets-from-stdin', '--json'], {
      home,
      env,
      stdin: 'api_key=sk_test_fromStdin\nwebhook_secret=whsec_fromStdin\n',
    })
    expect(r.exitCode).toBe(78)
    const error = ErrorJson.parse(r.json()).error
    expect(error).toMatchObject({
      code: 'keychain_unavailable',
      message: expect.stringContaining('YMS_PAY_SECRET_KEYED_API_KEY'),
    })
    expect(r.stdout).not.toContain('sk_test_fromStdin')
    expect((await run(['providers', 'show', 'keyed', '--json'], {home, env})).exitCode).toBe(2)
  })

  it('a malformed stdin line is a usage error that does not echo the line', async () => {
    const r = await run(['providers', 'add', 'keyed', '--kind', 'stripe', '--secrets-from-stdin', '--json'], {
      home,
      env,
      stdin: 'sk_test_pastedWithoutField\n',
    })
    expect(r.exitCode).toBe(2)
    expect(r.stdout).not.toContain('sk_test_pastedWithoutField')
  })
})

describe('providers grant / revoke / update / disable / enable / remove / rotate-secret', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  const show = async (id: string) =>
    Provider.parse((await run(['providers', 'show', id, '--json'], {home, env})).json())

  beforeAll(async () => {
    await addSites(home)
    for (const id of ['acme', 'bare', 'gone'])
      expect((await run(['providers', 'add', id, '--kind', 'stripe', '--site', 'berlin'], {home, env})).exitCode).toBe(
        0,
      )
    expect(
      (await run(['providers', 'add', 'eu', '--kind', 'adyen', '--setting', 'merchant_account=AcmeEU'], {home, env}))
        .exitCode,
    ).toBe(0)
  })

  it('grant maps --segment, --site and --access; granting again reports unchanged', async () => {
    const first = await run(
      ['providers', 'grant', 'acme', '--segment', 'vip', '--site', 'berlin', '--access', 'read', '--json'],
      {home, env},
    )
    expect(GrantResult.parse(first.json())).toEqual({provider: 'acme', changed: true})
    const again = await run(
      ['providers', 'grant', 'acme', '--segment', 'vip', '--site', 'berlin', '--access', 'read', '--json'],
      {home, env},
    )
    expect(GrantResult.parse(again.json())).toEqual({provider: 'acme', changed: false})
    // Defaults: every site, write access.
    expect((await run(['providers', 'grant', 'acme', '--segment', 'retail'], {home, env})).exitCode).toBe(0)
    expect(grantKeys(await show('acme'))).toEqual(['retail@*:write', 'vip@berlin:read'])
  })

  it('revoke takes back exactly the grant named; revoking again reports unchanged', async () => {
    const r = await run(['providers', 'revoke', 'acme', '--segment', 'vip', '--site', 'berlin', '--json'], {home, env})
    expect(GrantResult.parse(r.json())).toEqual({provider: 'acme', changed: true})
    expect(
      GrantResult.parse(
        (
          await run(['providers', 'revoke', 'acme', '--segment', 'vip', '--site', 'berlin', '--json'], {home, env})
        ).json(),
      ).changed,
    ).toBe(false)
    expect(grantKeys(await show('acme'))).toEqual(['retail@*:write'])
  })

  it('update replaces sites, merges settings and sets the URL, fallback and retry policy', async () => {
    const r = await run(
      words(
        'providers update acme --base-url http://127.0.0.1:10/ --site boston --site tokyo --fallback bare --retry-schedule 1m,1h --max-retries 0 --json',
      ),
      {home, env},
    )
    expect(r.exitCode).toBe(0)
    expect(Provider.parse(r.json())).toMatchObject({
      baseUrl: 'http://127.0.0.1:10/',
      sites: ['boston', 'tokyo'],
      fallback: 'bare',
      retrySchedule: '1m,1h',
      maxRetries: 0,
    })
    const eu = await run(
      ['providers', 'update', 'eu', '--setting', 'report_base_url=https://ca-test.adyen.com', '--json'],
      {home, env},
    )
    expect(Provider.parse(eu.json()).settings).toEqual({
      merchant_account: 'AcmeEU',
      report_base_url: 'https://ca-test.adyen.com',
    })
  })

  it('disable and enable flip `enabled`', async () => {
    expect(Provider.parse((await run(['providers', 'disable', 'bare', '--json'], {home, env})).json()).enabled).toBe(
      false,
    )
    expect((await show('bare')).enabled).toBe(false)
    expect(Provider.parse((await run(['providers', 'enable', 'bare', '--json'], {home, env})).json()).enabled).toBe(
      true,
    )
  })

  it('remove --yes removes the connection; without a keychain its entries cannot be deleted, which is a warning', async () => {
    const r = await run(['providers', 'remove', 'gone', '--yes', '--purge', '--json'], {home, env})
    expect(r.exitCode).toBe(0)
    const result = RemoveResult.parse(r.json())
    expect(result).toMatchObject({id: 'gone', removed: true, purged: true, secretsDeleted: []})
    expect(result.warnings).toEqual([expect.stringMatching(/api_key/), expect.stringMatching(/webhook_secret/)])
    expect((await run(['providers', 'show', 'gone', '--json'], {home, env})).exitCode).toBe(2)
  })

  // Without --purge oclif leaves the boolean flag undefined; the result still says purged: false.
  it('remove without --purge reports purged: false', async () => {
    expect(
      (await run(['providers', 'add', 'temp', '--kind', 'stripe'], {home, env: {...env, ...stripeEnv('temp')}}))
        .exitCode,
    ).toBe(0)
    const r = await run(['providers', 'remove', 'temp', '--yes', '--json'], {home, env: {...env, ...stripeEnv('temp')}})
    expect(RemoveResult.parse(r.json())).toMatchObject({id: 'temp', removed: true, purged: false})
  })

  it('rotate-secret reads the value from stdin; without a keychain to hold it, exit 78 naming the variable', async () => {
    const r = await run(
      ['providers', 'rotate-secret', 'acme', '--field', 'api_key', '--secrets-from-stdin', '--json'],
      {home, env, stdin: 'api_key=sk_test_rotatedValue\n'},
    )
    expect(r.exitCode).toBe(78)
    expect(ErrorJson.parse(r.json()).error.message).toContain('YMS_PAY_SECRET_ACME_API_KEY')
    expect(r.stdout).not.toContain('sk_test_rotatedValue')
  })

  it.each([
    [['providers', 'grant', 'acme'], /segment/],
    [['providers', 'grant', 'acme', '--segment', 'vip', '--access', 'admin'], /--access/],
    [['providers', 'grant', 'nope', '--segment', 'vip'], /unknown provider "nope"/],
    [['providers', 'revoke', 'acme'], /segment/],
    [['providers', 'revoke', 'nope', '--segment', 'vip'], /unknown provider "nope"/],
    [['providers', 'update', 'nope', '--fallback', 'x'], /unknown provider "nope"/],
    [['providers', 'update', 'acme', '--base-url', 'not a url'], /--base-url/],
    [['providers', 'update', 'acme', '--max-retries', '-1'], /--max-retries/],
    [['providers', 'disable', 'nope'], /unknown provider "nope"/],
    [['providers', 'enable'], /id/i],
    [['providers', 'remove', 'acme'], /--yes/],
    [['providers', 'remove', 'nope', '--yes'], /unknown provider "nope"/],
    [['providers', 'rotate-secret', 'acme', '--field', 'api_key'], /--secrets-from-stdin/],
    [['providers', 'rotate-secret', 'acme'], /field/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home, env})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })

  it.each([
    ['acme', 'bogus', 'bogus=x\n', /--field bogus: stripe secrets are api_key, webhook_secret/],
    ['acme', 'api_key', 'webhook_secret=x\n', /stdin line 1: unknown secret field \(allowed: api_key\)/],
    ['nope', 'api_key', 'api_key=x\n', /unknown provider "nope"/],
  ])('rotate-secret %s --field %s with stdin %j exits 2', async (id, field, stdin, message) => {
    const r = await run(['providers', 'rotate-secret', id, '--field', field, '--secrets-from-stdin', '--json'], {
      home,
      env,
      stdin,
    })
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })

  it('every change above is in the audit log under its own action', async () => {
    const rows = (
      await run(['audit', 'list', '--action', 'provider.*', '--limit', '1000', '--json'], {home, env})
    ).json<{rows: Array<{action: string}>}>().rows
    expect(new Set(rows.map((r) => r.action))).toEqual(
      new Set([
        'provider.add',
        'provider.grant',
        'provider.revoke',
        'provider.update',
        'provider.disable',
        'provider.enable',
        'provider.remove',
      ]),
    )
  })
})

describe('providers test', () => {
  const {home, cleanup} = tempHome()
  let stripe: ServedStripe
  beforeAll(async () => {
    stripe = await serveStripe(worldScenario(20, 3), {clock: manualClock(WORLD_END)})
    expect(
      (
        await run(['providers', 'add', 'live', '--kind', 'stripe', '--base-url', stripe.baseUrl], {
          home,
          env: secretEnv('live', stripe.emulator.secrets),
        })
      ).exitCode,
    ).toBe(0)
  })
  afterAll(async () => {
    await stripe?.close()
    cleanup()
  })

  it('with the right key: authenticates and reads a page from the provider base URL', async () => {
    const r = await run(['providers', 'test', 'live', '--json'], {
      home,
      env: secretEnv('live', stripe.emulator.secrets),
    })
    expect(r.exitCode, r.stdout).toBe(0)
    expect(TestResult.parse(r.json())).toMatchObject({
      provider: 'live',
      kind: 'stripe',
      ok: true,
      baseUrl: stripe.baseUrl,
    })
  })

  it('a refused key exits 77 without echoing it', async () => {
    const wrong = 'sk_test_refusedByTheEmulator'
    const r = await run(['providers', 'test', 'live', '--json'], {
      home,
      env: secretEnv('live', {api_key: wrong, webhook_secret: 'whsec_x'}),
    })
    expect(r.exitCode).toBe(77)
    expect(ErrorJson.parse(r.json()).error.exitCode).toBe(77)
    expect(r.stdout + r.stderr).not.toContain(wrong)
  })

  it('a missing API secret exits 78 naming the variable that provides it', async () => {
    const r = await run(['providers', 'test', 'live', '--json'], {home})
    expect(r.exitCode).toBe(78)
    expect(ErrorJson.parse(r.json()).error.message).toContain('YMS_PAY_SECRET_LIVE_API_KEY')
  })

  it('an unknown provider exits 2', async () => {
    const r = await run(['providers', 'test', 'nope', '--json'], {home})
    expect(r.exitCode).toBe(2)
  })
})
