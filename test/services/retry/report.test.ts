import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {RECOVERY_RATE_DEFINITION} from '../../../src/core/retry/recovery-rate.js'
import type {ScenarioCustomer} from '../../../src/sandbox/model.js'
import {cancelRetry} from '../../../src/services/retry/cancel.js'
import {importPaymentMethods} from '../../../src/services/retry/methods.js'
import {getMetrics, getRetryTotals} from '../../../src/services/metrics.js'
import {retryReport} from '../../../src/services/retry/report.js'
import {retryOfPayment} from '../../../src/store/repos/retries.js'
import {emulatorWorld, type EmulatorWorld} from './emulator-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * Show (issue 13): `retry report` checked against a sandbox world whose recoveries are known in advance. The
 * Stripe emulator (primary `shop`) and the Square emulator (its fallback `backup`) charge what each customer's
 * payment method makes them charge: a stored card succeeds, Stripe's test methods decline as named. Each group of
 * failed payments is set up to end one known way; the expected figures are derived from the groups, never typed in.
 */
const HOUR = 3_600_000
let offset = 0
const clock = {now: () => Date.now() + offset}
const T0 = Date.now()
/** Moves the shared clock to T0 + ms (it runs on from there, as time does). */
const at = (ms: number) => {
  offset = T0 + ms - Date.now()
}
/** Each slot is due an hour after the previous attempt ended: run k comes at k hours and k times a few minutes. */
const run = (k: number) => {
  at(k * (HOUR + 5 * 60_000))
  return world.run()
}

type Group = 'sameFirst' | 'sameSecond' | 'exhausted' | 'stopped' | 'fallback' | 'canceled' | 'hard'
interface Failure {
  group: Group
  customer: ScenarioCustomer
  minor: number
  currency: string
  code: string
  txnId?: string
}

/** What each group's retries meet, and so how its chain ends. */
const PLAN: Record<Group, {count: number; currency: string; code: string; method: string | null}> = {
  // Recovered by retry 1 at the primary: the stored card.
  sameFirst: {count: 3, currency: 'USD', code: 'insufficient_funds', method: null},
  // Declined at retry 1 (a soft-declining card), recovered at retry 2 once the customer's card is updated.
  sameSecond: {count: 2, currency: 'EUR', code: 'generic_decline', method: 'pm_card_chargeDeclinedInsufficientFunds'},
  // Every retry soft-declined: exhausted after the third.
  exhausted: {count: 2, currency: 'EUR', code: 'try_again_later', method: 'pm_card_chargeDeclinedInsufficientFunds'},
  // Retry 1 meets a hard decline: stopped.
  stopped: {count: 1, currency: 'USD', code: 'issuer_not_available', method: 'pm_card_chargeDeclinedExpiredCard'},
  // Failed while the primary is up, due when it is down: the fallback recovers them.
  fallback: {count: 2, currency: 'USD', code: 'processing_error', method: null},
  // Canceled by an admin before any retry: left out of the rate.
  canceled: {count: 1, currency: 'USD', code: 'insufficient_funds', method: null},
  // A hard decline: never queued.
  hard: {count: 1, currency: 'USD', code: 'stolen_card', method: null},
}

let world: EmulatorWorld
const failures: Failure[] = []

beforeAll(async () => {
  const groups = Object.entries(PLAN) as Array<[Group, (typeof PLAN)[Group]]>
  world = await emulatorWorld({
    kinds: ['stripe', 'square'],
    clock,
    seed: 5,
    customers: 40,
    providers: [
      {id: 'shop', kind: 'stripe', fallback: 'backup', schedule: '1h', maxRetries: 3},
      {id: 'backup', kind: 'square'},
    ],
    methods: (c, p) => {
      const f = failures.find((x) => x.customer.id === c.id)
      if (p.id === 'backup') return f?.group === 'fallback' ? c.paymentMethods.square : null
      return (f && PLAN[f.group].method) ?? c.paymentMethods.stripe
    },
    pick: (customers) => {
      // Customers whose every scenario payment succeeded: their stored cards are approved everywhere.
      let i = 0
      for (const [group, plan] of groups)
        for (let n = 0; n < plan.count; n++) {
          const customer = customers[i++]!
          failures.push({group, customer, minor: 1_000 + 111 * i, currency: plan.currency, code: plan.code})
        }
    },
  })
}, 60_000)
afterAll(async () => world?.close())

const of = (group: Group) => failures.filter((f) => f.group === group)
const sum = (list: Failure[], currency: string) =>
  list.filter((f) => f.currency === currency).reduce((n, f) => n + f.minor, 0)

describe('retry report against a world whose recoveries are known in advance', () => {
  it('runs the world: each group ends as planned', async () => {
    at(0)
    for (const f of failures.filter((x) => x.group !== 'fallback'))
      f.txnId = world.fail(
        'shop',
        f.customer,
        {minor: f.minor, currency: f.currency},
        {code: f.code, decision: f.group === 'hard' ? 'terminal' : 'retry'},
      )
    for (const f of of('canceled')) cancelRetry(world.db, world.ctx, retryOfPayment(world.db, f.txnId!)!.id)
    await run(1)
    // The sameSecond customers update their card: retry 2 charges the stored one.
    const file = join(world.home, 'updated.csv')
    writeFileSync(
      file,
      `customer,provider,payment_method\n${of('sameSecond')
        .map((f) => `${f.customer.id},shop,${f.customer.paymentMethods.stripe}`)
        .join('\n')}\n`,
    )
    await importPaymentMethods(sqliteHandle(world.db), world.ctx, file)
    await run(2)
    await run(3)
    // The fallback group fails now; by its first retry the primary is down.
    for (const f of of('fallback'))
      f.txnId = world.fail('shop', f.customer, {minor: f.minor, currency: f.currency}, {code: f.code})
    await world.gateways.get('stripe')!.close()
    await run(4)
    const ends = Object.fromEntries(
      failures.map((f) => [f.customer.id, retryOfPayment(world.db, f.txnId!)?.status ?? 'never queued']),
    )
    const expected: Record<Group, string> = {
      sameFirst: 'recovered',
      sameSecond: 'recovered',
      exhausted: 'exhausted',
      stopped: 'stopped',
      fallback: 'recovered',
      canceled: 'canceled',
      hard: 'never queued',
    }
    expect(ends).toEqual(Object.fromEntries(failures.map((f) => [f.customer.id, expected[f.group]])))
  }, 60_000)

  it('reports exactly the figures the world implies, with the definition', () => {
    const r = retryReport(world.db, world.ctx, {since: '1d'})
    const recovered = [...of('sameFirst'), ...of('sameSecond'), ...of('fallback')]
    const eligible = [...recovered, ...of('exhausted'), ...of('stopped')]
    const rate = (part: number, whole: number) => Math.round((part / whole) * 10_000) / 10_000
    expect(r).toMatchObject({
      definition: RECOVERY_RATE_DEFINITION,
      attempted:
        of('sameFirst').length +
        2 * of('sameSecond').length +
        3 * of('exhausted').length +
        of('stopped').length +
        of('fallback').length,
      recovered: recovered.length,
      exhausted: of('exhausted').length,
      stopped: of('stopped').length,
      canceled: of('canceled').length,
      superseded: 0,
      pending: 0,
      eligible: eligible.length,
      successRate: rate(recovered.length, eligible.length),
    })
    for (const currency of ['EUR', 'USD'])
      expect(r.byAmount.find((a) => a.currency === currency)).toEqual({
        currency,
        eligible: {minor: sum(eligible, currency), currency},
        recovered: {minor: sum(recovered, currency), currency},
        rate: rate(sum(recovered, currency), sum(eligible, currency)),
      })
    expect(r.byRoute.sameProcessor.recovered).toBe(of('sameFirst').length + of('sameSecond').length)
    expect(r.byRoute.fallback).toEqual({
      recovered: of('fallback').length,
      successRate: rate(of('fallback').length, eligible.length),
      recoveredAmount: [{minor: sum(of('fallback'), 'USD'), currency: 'USD'}],
    })
    expect(r.byAttempt).toEqual([
      {
        attempt: 1,
        attempts: eligible.length,
        recovered: of('sameFirst').length + of('fallback').length,
        successRate: rate(of('sameFirst').length + of('fallback').length, eligible.length),
      },
      {
        attempt: 2,
        attempts: of('sameSecond').length + of('exhausted').length,
        recovered: of('sameSecond').length,
        successRate: rate(of('sameSecond').length, of('sameSecond').length + of('exhausted').length),
      },
      {attempt: 3, attempts: of('exhausted').length, recovered: 0, successRate: 0},
    ])
    const byReason = Object.fromEntries(r.byReason.map((g) => [g.reason, [g.recovered, g.eligible]]))
    expect(byReason).toEqual({
      [PLAN.sameFirst.code]: [of('sameFirst').length, of('sameFirst').length],
      [PLAN.sameSecond.code]: [of('sameSecond').length, of('sameSecond').length],
      [PLAN.exhausted.code]: [0, of('exhausted').length],
      [PLAN.stopped.code]: [0, of('stopped').length],
      [PLAN.fallback.code]: [of('fallback').length, of('fallback').length],
    })
    expect(r.byProvider).toEqual([
      expect.objectContaining({provider: 'shop', recovered: recovered.length, eligible: eligible.length, pending: 0}),
    ])
  })

  it('counts only chains that finished in the window, and only the site asked for', () => {
    // Since after run 3: only the fallback group's chains ended after that.
    const late = retryReport(world.db, world.ctx, {since: new Date(T0 + 3.8 * HOUR).toISOString()})
    expect([late.eligible, late.recovered, late.byRoute.fallback.recovered]).toEqual([
      of('fallback').length,
      of('fallback').length,
      of('fallback').length,
    ])
    const site = failures[0]!.customer.site
    const bySite = retryReport(world.db, world.ctx, {since: '1d', site})
    const mine = failures.filter((f) => f.customer.site === site && !['canceled', 'hard'].includes(f.group))
    expect(bySite.eligible).toBe(mine.length)
    expect(bySite.recovered).toBe(mine.filter((f) => ['sameFirst', 'sameSecond', 'fallback'].includes(f.group)).length)
  })

  it('metrics and its Prometheus counters give each provider the same figures, by the same definition', () => {
    const report = retryReport(world.db, world.ctx, {since: '1d'})
    const metrics = getMetrics(world.db, world.ctx, {window: '1d'})
    expect(metrics.retryDefinition).toBe(report.definition)
    const shop = report.byProvider.find((p) => p.provider === 'shop')!
    expect(metrics.providers.find((p) => p.provider === 'shop')!.retry).toEqual({
      attempted: shop.attempted,
      recovered: shop.recovered,
      eligible: shop.eligible,
      pending: shop.pending,
      successRate: shop.successRate,
    })
    expect(getRetryTotals(world.db).get('shop')).toEqual({
      attempted: report.attempted,
      recovered: report.recovered,
      exhausted: report.exhausted + report.stopped,
    })
  })
})
