import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {serveEmulator, type RunningServer} from '../../src/sandbox/emulator.js'
import {exportScenario} from '../../src/sandbox/export.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {importCustomers} from '../../src/services/customers.js'
import {getMetrics} from '../../src/services/metrics.js'
import {listQuarantined, replayQuarantined} from '../../src/services/quarantine.js'
import {importSites} from '../../src/services/sites.js'
import {getStatus} from '../../src/services/status.js'
import {runSync} from '../../src/services/sync/sync.js'
import {listTransactions, showTransaction} from '../../src/services/transactions.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'
import {addGrant} from '../../src/store/repos/grants.js'
import {insertProvider} from '../../src/store/repos/providers.js'
import {reportWorld, type ReportWorld} from './report-helpers.js'

/**
 * The reports over what a real sync wrote: a Stripe emulator on loopback, the scenario's YMS side imported through
 * the import services, one connection with grants for every segment but "vip", and `runSync` as `yms-pay sync` runs it.
 */
describe('reports after a real sync against the Stripe emulator', () => {
  const now = Date.now()
  const scenario = generateScenario({
    seed: 5,
    customers: 30,
    transactions: 200,
    start: new Date(now - 40 * 86_400_000).toISOString(),
    end: new Date(now).toISOString(),
    gateways: ['stripe'],
  })
  let w: ReportWorld
  let server: RunningServer
  const never = new AbortController().signal

  beforeAll(async () => {
    const emulator = createStripeEmulator({scenario, share: 'own', clock: {now: () => Date.now()}})
    server = await serveEmulator(emulator)
    w = reportWorld(new Date(now).toISOString(), {YMS_PAY_SECRET_ACME_API_KEY: emulator.secrets.api_key!})
    w.ctx.now = () => Date.now()
    const exportDir = join(w.dir, 'export')
    mkdirSync(exportDir)
    await exportScenario(scenario, exportDir)
    await importSites(sqliteHandle(w.db), w.ctx, join(exportDir, 'sites.csv'))
    await importCustomers(sqliteHandle(w.db), w.ctx, join(exportDir, 'customers.csv'))
    insertProvider(w.db, {id: 'acme', kind: 'stripe', baseUrl: server.baseUrl})
    for (const segment of ['retail', 'wholesale'])
      addGrant(w.db, {provider: 'acme', segment, site: '*', access: 'write'})
    const result = await runSync(w.db, w.ctx, {signals: {stop: never, abort: never}})
    expect(result.runs[0], JSON.stringify(result.runs[0])).toMatchObject({status: 'ok'})
    expect(result.runs[0]!.inserted).toBeGreaterThan(50)
    expect(result.runs[0]!.quarantined).toBeGreaterThan(0)
  })

  afterAll(async () => {
    await server?.close()
    w?.cleanup()
  })

  it('transactions list shows what was synced, newest first, each in the ledger of a granted customer', () => {
    const list = listTransactions(w.db, {limit: 1000})
    const vip = new Set(scenario.customers.filter((c) => c.segment === 'vip').map((c) => c.id))
    expect(list.length).toBeGreaterThan(50)
    expect(list.every((t) => t.provider === 'acme' && t.customer !== null && !vip.has(t.customer))).toBe(true)
    const times = list.map((t) => t.occurredAt)
    expect([...times].sort().reverse()).toEqual(times)
    const failed = listTransactions(w.db, {status: 'failed', limit: 1000})
    expect(failed.every((t) => t.status === 'failed')).toBe(true)
  })

  it('transactions show returns the gateway object as Stripe sent it, balanced postings and the pull state', () => {
    const payment = listTransactions(w.db, {type: 'payment', status: 'succeeded', limit: 1})[0]!
    const d = showTransaction(w.db, payment.id)
    expect(d.transaction).toMatchObject({id: payment.id, kind: 'stripe', type: 'payment'})
    expect((d.raw as {object?: string; id?: string}).id).toBe(payment.id.slice('acme:'.length))
    expect(d.states[0]).toMatchObject({version: 1, source: 'pull'})
    expect(d.postings.length).toBeGreaterThan(0)
    expect(d.postings.reduce((s, p) => s + p.amount.minor, 0)).toBe(0)
  })

  it("quarantine holds the vip customers' objects as access_denied; a grant and a replay bring them in", async () => {
    const denied = listQuarantined(w.db, {reason: 'access_denied', limit: 1000})
    expect(denied.length).toBeGreaterThan(0)
    const before = getStatus(w.db, w.ctx)
    expect(before.quarantine.byReason.access_denied).toBe(denied.length)
    expect(before.providers[0]!.quarantined).toBe(before.quarantine.open)
    addGrant(w.db, {provider: 'acme', segment: 'vip', site: '*', access: 'write'})
    const replay = await replayQuarantined(sqliteHandle(w.db), w.ctx, {ids: denied.map((q) => q.id)})
    expect(replay).toMatchObject({considered: denied.length, applied: denied.length, stillQuarantined: 0})
    expect(listQuarantined(w.db, {reason: 'access_denied'})).toEqual([])
    const one = showTransaction(w.db, `acme:${denied[0]!.externalId}`)
    expect(one.audit.map((a) => a.action)).toContain('access.denied')
  })

  it("metrics count the real gateway calls; status shows the provider healthy and the sites' balances", () => {
    const m = getMetrics(w.db, w.ctx, {window: '1h'}).providers[0]!
    expect(m.provider).toBe('acme')
    expect(m.calls).toBeGreaterThan(0)
    expect(m.errors).toBe(0)
    expect(m.uptimePct).toBe(100)
    const s = getStatus(w.db, w.ctx)
    expect(s.providers[0]).toMatchObject({
      id: 'acme',
      health: 'ok',
      failures24h: 0,
      lastSync: {status: 'ok'},
      lastError: null,
    })
    expect(s.providers[0]!.lagMs).toBeGreaterThanOrEqual(0)
    expect(s.providers[0]!.lagMs).toBeLessThan(60_000)
    const withBalances = s.sites.filter((x) => x.balances.length > 0)
    expect(withBalances.length).toBeGreaterThan(0)
    for (const site of withBalances) {
      const own = site.balances.find((b) => b.currency === site.currency)
      if (own) expect(own.inBase).toEqual({minor: own.minor, currency: site.currency})
    }
  })
})
