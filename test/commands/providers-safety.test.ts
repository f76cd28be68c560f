import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {homeRun} from '../helpers/home-ledger.js'
import {run, secretEnv, stripeEnv, tempHome, writeInput} from './helpers.js'
import {ErrorJson, GrantResult, Provider, ProviderList} from './shapes.js'

/** Issue 10, "nobody gets in": provider ids, base URLs, missing secrets and validation, the same in every command. */
const env = {...stripeEnv('acme-stripe'), ...stripeEnv('other'), ...secretEnv('eu', {api_key: 'k', hmac_key: 'h'})}
const RULE = /1 to 64 letters, digits, "\.", "_" or "-"/

async function expectUsage(args: string[], home: string, message: RegExp, stdin?: string): Promise<void> {
  const r = await run([...args, '--json'], {home, env, stdin})
  expect(r.exitCode, `${args.join(' ')}: ${r.stdout}`).toBe(2)
  expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
}

describe('provider ids: one rule, stated, for every command that takes one', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  beforeAll(async () => {
    expect((await run(['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'], {home})).exitCode).toBe(0)
    expect((await run(['providers', 'add', 'acme-stripe', '--kind', 'stripe'], {home, env})).exitCode).toBe(0)
  })

  const invalid = ['bad id!', 'x'.repeat(300), '../../etc', 'invoice']
  it.each(invalid)('providers add %j is a usage error stating the rule', async (id) => {
    await expectUsage(['providers', 'add', id, '--kind', 'stripe'], home, RULE)
  })

  const commands: Array<(id: string) => string[]> = [
    (id) => ['providers', 'show', id],
    (id) => ['providers', 'update', id, '--max-retries', '1'],
    (id) => ['providers', 'enable', id],
    (id) => ['providers', 'disable', id],
    (id) => ['providers', 'remove', id, '--yes'],
    (id) => ['providers', 'grant', id, '--segment', 'retail'],
    (id) => ['providers', 'revoke', id, '--segment', 'retail'],
    (id) => ['providers', 'rotate-secret', id, '--field', 'api_key', '--secrets-from-stdin'],
    (id) => ['providers', 'test', id],
    (id) => ['providers', 'add', 'fresh', '--kind', 'stripe', '--fallback', id],
    (id) => ['providers', 'update', 'acme-stripe', '--fallback', id],
  ]
  it.each(commands.map((c) => [c('ID').slice(0, 3).join(' '), c] as const))(
    '%s with an invalid id states the rule instead of "unknown provider"',
    async (_name, command) => {
      for (const id of ['bad id!', '../../etc']) await expectUsage(command(id), home, RULE, 'api_key=sk_test_x\n')
    },
  )

  it.each(['acme.stripe', 'ACME_STRIPE', 'Acme-Stripe'])(
    'providers add %s is refused: it would share YMS_PAY_SECRET_ACME_STRIPE_* with acme-stripe',
    async (id) => {
      await expectUsage(
        ['providers', 'add', id, '--kind', 'stripe'],
        home,
        /"acme-stripe".*YMS_PAY_SECRET_ACME_STRIPE_/,
      )
    },
  )

  it('nothing was added by the refused commands', async () => {
    const ids = ProviderList.parse((await run(['providers', 'list', '--json'], {home, env})).json()).providers.map(
      (p) => p.id,
    )
    expect(ids).toEqual(['acme-stripe'])
  })
})

describe('base URLs: https except on loopback, never credentials in them', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  beforeAll(async () => {
    expect((await run(['providers', 'add', 'other', '--kind', 'stripe'], {home, env})).exitCode).toBe(0)
  })

  it.each([
    'http://example.com/',
    'http://10.0.0.7:8080',
    'http://0.0.0.0:12111',
    'http://127.0.0.1.example.com/',
    'http://[::ffff:10.0.0.1]/',
  ])('--base-url %s is refused on add and update (the key would travel in clear text)', async (url) => {
    await expectUsage(['providers', 'add', 'acme-stripe', '--kind', 'stripe', '--base-url', url], home, /https/)
    await expectUsage(['providers', 'update', 'other', '--base-url', url], home, /https/)
  })

  it('--setting report_base_url (where the Adyen key is sent too) follows the same rule', async () => {
    await expectUsage(
      [
        'providers',
        'add',
        'eu',
        '--kind',
        'adyen',
        '--setting',
        'merchant_account=A',
        '--setting',
        'report_base_url=http://ca.example/',
      ],
      home,
      /report_base_url.*https/,
    )
  })

  it.each(['https://user:pw@api.example.com/', 'https://sk_test_token@api.example.com/'])(
    '--base-url %s is refused: credentials belong in the keychain',
    async (url) => {
      await expectUsage(
        ['providers', 'add', 'acme-stripe', '--kind', 'stripe', '--base-url', url],
        home,
        /user name or password/,
      )
    },
  )

  it.each([
    'http://127.0.0.1:9/',
    'http://127.5.6.7:9/',
    'http://localhost:9/',
    'http://[::1]:9/',
    'https://api.example.com/',
  ])('--base-url %s is accepted', async (url) => {
    const r = await run(['providers', 'update', 'other', '--base-url', url, '--json'], {home, env})
    expect(r.exitCode, r.stdout).toBe(0)
    expect(Provider.parse(r.json()).baseUrl).toBe(url)
  })

  it('a base URL stored with credentials before this check is masked by show and list, in the table and the JSON', async () => {
    await homeRun(
      home,
      `UPDATE providers SET base_url = 'https://admin:hunter2hunter2@api.example.com/v1' WHERE id = 'other'`,
    )
    const outputs = [
      (await run(['providers', 'show', 'other', '--json'], {home, env})).stdout,
      (await run(['providers', 'show', 'other'], {home, env})).stdout,
      (await run(['providers', 'list', '--json'], {home, env})).stdout,
      (await run(['providers', 'list'], {home, env})).stdout,
    ]
    for (const out of outputs) {
      expect(out).not.toContain('hunter2')
      expect(out).not.toContain('admin:')
    }
    expect(Provider.parse(JSON.parse(outputs[0]!)).baseUrl).toBe('https://***@api.example.com/v1')
  })
})

describe('providers add warns when the new provider has no secrets anywhere', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('no keychain, no environment: added (exit 0), with a warning per field naming its variable', async () => {
    const r = await run(['providers', 'add', 'bare', '--kind', 'stripe', '--json'], {home})
    expect(r.exitCode).toBe(0)
    const warnings = Provider.parse(r.json()).warnings ?? []
    expect(warnings).toEqual([
      expect.stringMatching(/api_key.*YMS_PAY_SECRET_BARE_API_KEY.*keychain/),
      expect.stringMatching(/webhook_secret.*YMS_PAY_SECRET_BARE_WEBHOOK_SECRET.*keychain/),
    ])
    const human = await run(['providers', 'add', 'bare2', '--kind', 'stripe'], {home})
    expect(human.exitCode).toBe(0)
    expect(human.stderr).toMatch(/warning: .*YMS_PAY_SECRET_BARE2_API_KEY/)
  })

  it('with the secrets in the environment there is nothing to warn about', async () => {
    const r = await run(['providers', 'add', 'envd', '--kind', 'stripe', '--json'], {home, env: stripeEnv('envd')})
    expect(r.exitCode).toBe(0)
    expect(Provider.parse(r.json()).warnings).toBeUndefined()
  })
})

describe('every providers command validates sites, segments and secret fields the same way', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  beforeAll(async () => {
    expect((await run(['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'], {home})).exitCode).toBe(0)
    expect((await run(['providers', 'add', 'other', '--kind', 'stripe'], {home, env})).exitCode).toBe(0)
  })

  it.each([
    [['providers', 'grant', 'other', '--segment', 'retail', '--site', 'atlantis'], /unknown site "atlantis"/],
    [['providers', 'revoke', 'other', '--segment', 'retail', '--site', 'atlantis'], /unknown site "atlantis"/],
    [['providers', 'update', 'other', '--site', 'atlantis'], /unknown site "atlantis"/],
    [['providers', 'add', 'acme-stripe', '--kind', 'stripe', '--site', 'atlantis'], /unknown site "atlantis"/],
    [['providers', 'add', 'acme-stripe', '--kind', 'stripe', '--site', '*'], /unknown site "\*"/],
    [['providers', 'grant', 'other', '--segment', ' '], /--segment/],
    [['providers', 'add', 'acme-stripe', '--kind', 'stripe', '--segment', ''], /--segment/],
  ])('%j exits 2', async (args, message) => {
    await expectUsage(args, home, message)
  })

  it('a segment no customer has is granted, with a warning (customers may come later; it is also what a typo looks like)', async () => {
    writeInput(home, 'customers.csv', 'id,site,segment,name,email\nc1,berlin,retail,Ada,ada@example.test\n')
    expect((await run(['customers', 'import', join(home, 'customers.csv')], {home})).exitCode).toBe(0)
    const typo = await run(['providers', 'grant', 'other', '--segment', 'retial', '--json'], {home, env})
    expect(typo.exitCode).toBe(0)
    expect(GrantResult.parse(typo.json())).toEqual({
      provider: 'other',
      changed: true,
      warnings: [expect.stringMatching(/none of the imported customers has segment "retial"/)],
    })
    const known = await run(['providers', 'grant', 'other', '--segment', 'retail', '--json'], {home, env})
    expect(GrantResult.parse(known.json())).toEqual({provider: 'other', changed: true})
  })

  it('grant --site * and a known site are accepted', async () => {
    for (const site of ['*', 'berlin'])
      expect(
        (await run(['providers', 'grant', 'other', '--segment', 'retail', '--site', site], {home, env})).exitCode,
      ).toBe(0)
  })

  it('rotate-secret --field bogus names the fields the kind has, whatever stdin holds, before reading it', async () => {
    for (const stdin of ['api_key=sk_test_x\n', 'bogus=x\n', ''])
      await expectUsage(
        ['providers', 'rotate-secret', 'other', '--field', 'bogus', '--secrets-from-stdin'],
        home,
        /^--field bogus: stripe secrets are api_key, webhook_secret$/,
        stdin,
      )
  })
})
