import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {run, stripeEnv, tempHome} from './helpers.js'
import {AuditList, ErrorJson} from './shapes.js'

// A filter naming a provider, site or customer that is not configured and matches nothing is a typo: exit 2 naming
// it, as `metrics --provider` already did. A name with history (a removed provider's rows) still filters.
describe('filters that name a provider, site or customer', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  const env = {...stripeEnv('acme'), ...stripeEnv('old')}

  beforeAll(async () => {
    for (const args of [
      ['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'],
      ['providers', 'add', 'acme', '--kind', 'stripe'],
      ['providers', 'add', 'old', '--kind', 'stripe'],
      ['providers', 'remove', 'old', '--yes'],
    ]) {
      const r = await run(args, {home, env})
      expect(r.exitCode, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
    }
  })

  it.each([
    [['transactions', 'list', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
    [['transactions', 'list', '--site', 'nowhere'], '--site nowhere: unknown site', /sites list/],
    [['transactions', 'list', '--customer', 'nobody'], '--customer nobody: unknown customer', /customers list/],
    [['quarantine', 'list', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
    [['audit', 'list', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
    [['customers', 'list', '--site', 'nowhere'], '--site nowhere: unknown site', /sites list/],
    [['retry', 'report', '--site', 'nowhere'], '--site nowhere: unknown site', /sites list/],
    [['retry', 'report', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
    [['reconcile', '--site', 'nowhere'], '--site nowhere: unknown site', /sites list/],
    [
      ['reconcile', '--site', 'berlin', '--provider', 'acme-typo'],
      '--provider acme-typo: unknown provider',
      /providers list/,
    ],
    [['reconcile', 'list', '--site', 'nowhere'], '--site nowhere: unknown site', /sites list/],
    [['customers', 'export', '--balances', '--site', 'nowhere'], '--site nowhere: unknown site', /sites list/],
  ])('%j exits 2 naming it', async (args, message, hint) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode, r.stdout).toBe(2)
    const {error} = ErrorJson.parse(r.json())
    expect(error.message).toBe(message)
    expect(error.hint).toMatch(hint)
  })

  it.each([
    ['transactions', 'list', '--provider', 'acme'],
    ['transactions', 'list', '--site', 'berlin'],
    ['quarantine', 'list', '--provider', 'acme'],
    ['customers', 'list', '--site', 'berlin'],
    ['reconcile', 'list', '--site', 'berlin'],
  ])('%s %s %s %s: configured, nothing matches yet: an empty list, exit 0', async (...args) => {
    expect((await run([...args, '--json'], {home})).exitCode).toBe(0)
  })

  it.each([
    [['customers', 'export', '--balances', '--site', 'berlin']],
    [['reconcile', '--site', 'berlin', '--provider', 'acme']],
  ])('%j: configured, nothing to reconcile or export yet: exit 0', async (args) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode, r.stdout).toBe(0)
  })

  it('a removed provider is no longer configured, but its history still filters', async () => {
    const r = await run(['audit', 'list', '--provider', 'old', '--json'], {home})
    expect(r.exitCode, r.stdout).toBe(0)
    expect(AuditList.parse(r.json()).rows.map((row) => row.action)).toEqual(['provider.add', 'provider.remove'])
  })
})
