import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {run as sql} from '../../src/store/ops/op.js'
import {upsertCustomers} from '../../src/store/repos/customers.js'
import {noteDeclineCode} from '../../src/store/repos/decline-codes.js'
import {insertRetry} from '../../src/store/repos/retries.js'
import {quarantine} from '../../src/store/repos/quarantine.js'
import {keepSkipped} from '../../src/store/repos/skipped.js'
import {insertWebhookEvent} from '../../src/store/repos/webhook-events.js'
import {homeWrite} from '../helpers/home-ledger.js'
import {run, stripeEnv, tempHome} from './helpers.js'
import {AuditList, ErrorJson} from './shapes.js'

/**
 * What a sync of `provider` leaves behind: a queued retry, a skipped object, a decline code seen, a succeeded payment,
 * an item held in quarantine, a stored webhook event.
 */
function leaveHistory(home: string, provider: string): Promise<unknown> {
  const at = '2026-01-01T00:00:00.000Z'
  return homeWrite(
    home,
    (function* () {
      yield* upsertCustomers.ops([{id: 'c1', site: 'berlin'}])
      yield* insertRetry.ops({
        txnId: `${provider}:ch_1`,
        provider,
        customerId: 'c1',
        siteId: 'berlin',
        invoiceRef: null,
        amount: {minor: 1000, currency: 'EUR'},
        failureCode: 'insufficient_funds',
        failedAt: at,
        nextAt: at,
        note: 'queued',
        now: at,
      })
      yield* keepSkipped.ops(
        [{provider, externalId: 'dp_1', code: 'T1110', reason: 'a hold', rawJson: '{}', source: 'pull'}],
        at,
      )
      const seen = {provider, kind: 'stripe', code: 'insufficient_funds', basis: 'table', decision: 'retry'} as const
      yield* noteDeclineCode.ops({...seen, message: 'declined', txnId: `${provider}:ch_1`}, at)
      yield* sql(
        `INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, occurred_at,
         updated_at, version, raw_json, first_seen_at, last_seen_at)
       VALUES (?, ?, 'stripe', 'ch_2', 'payment', 'succeeded', 1000, 'EUR', ?, ?, 1, '{}', ?, ?)`,
        [`${provider}:ch_2`, provider, at, at, at, at],
      )
      const held = {externalId: 'ch_3', reason: 'unknown_customer', detail: 'no customer', rawJson: '{}'} as const
      yield* quarantine.ops({...held, provider, normalizedJson: null, source: 'pull'})
      yield* insertWebhookEvent.ops({
        provider,
        dedupKey: 'evt_1',
        receivedAt: at,
        committedAt: at,
        commitMs: 1,
        status: 'applied',
        summary: 'charge.succeeded',
        eventsJson: '[]',
        body: Buffer.from('{}'),
        appliedJson: '[]',
        nextFetchAt: null,
      })
    })(),
  )
}

// A filter naming a provider, site or customer that is not configured and matches nothing is a typo: exit 2 naming
// it, as `metrics --provider` already did. A name with history (a removed provider's rows) still filters.
describe('filters that name a provider, site or customer', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  const env = {...stripeEnv('acme'), ...stripeEnv('old')}

  const cli = async (...args: string[]) => {
    const r = await run(args, {home, env})
    expect(r.exitCode, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
  }

  beforeAll(async () => {
    await cli('sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR')
    await cli('providers', 'add', 'acme', '--kind', 'stripe')
    await cli('providers', 'add', 'old', '--kind', 'stripe')
    await leaveHistory(home, 'old')
    // Its queued retry is canceled here: after removal, none of its chains is open.
    await cli('providers', 'remove', 'old', '--yes')
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
    [['retry', 'list', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
    [['sync', 'skipped', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
    [['retry', 'codes', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
    // Commands that act on the providers they name: a typo, or a removed provider (nothing left to sync or retry).
    [['retry', 'run', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
    [['retry', 'run', '--provider', 'old'], '--provider old: unknown provider', /providers list/],
    [['sync', '--provider', 'acme-typo'], '--provider acme-typo: unknown provider', /providers list/],
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
    ['retry', 'list', '--provider', 'acme'],
    ['sync', 'skipped', '--provider', 'acme'],
    ['retry', 'codes', '--provider', 'acme'],
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

  // The other filters narrow the rows, not what the name is checked against: nothing open, no such code, every code
  // mapped, all still answer with an empty list for a provider that has history.
  it.each([
    [['retry', 'list', '--provider', 'old'], 0],
    [['retry', 'list', '--provider', 'old', '--status', 'canceled'], 1],
    [['retry', 'report', '--provider', 'old'], null],
    [['sync', 'skipped', '--provider', 'old'], 1],
    [['sync', 'skipped', '--provider', 'old', '--code', 'T0000'], 0],
    [['retry', 'codes', '--provider', 'old'], 1],
    [['retry', 'codes', '--provider', 'old', '--kind', 'paypal'], 0],
    [['transactions', 'list', '--provider', 'old'], 1],
    [['transactions', 'list', '--provider', 'old', '--status', 'failed'], 0],
    [['quarantine', 'list', '--provider', 'old'], 1],
    [['quarantine', 'list', '--provider', 'old', '--status', 'resolved'], 0],
    [['webhooks', 'list', '--provider', 'old'], 1],
    [['webhooks', 'list', '--provider', 'old', '--status', 'failed'], 0],
    [['audit', 'list', '--provider', 'old', '--action', 'sync.page'], 0],
  ])('a removed provider with history: %j exits 0 (%s rows)', async (args, rows) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode, r.stdout).toBe(0)
    const json = r.json<unknown[] | Record<string, unknown[] | undefined>>()
    const list = Array.isArray(json)
      ? json
      : (json.retries ?? json.items ?? json.codes ?? json.events ?? json.rows ?? json.transactions)
    if (rows !== null) expect(list!.length).toBe(rows)
  })
})
