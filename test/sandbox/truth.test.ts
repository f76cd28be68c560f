import {describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../src/core/transaction.js'
import {formatMoney} from '../../src/core/money.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {compareWithTruth, expectedTransactions, formatComparison, type ExpectedTxn} from '../../src/sandbox/truth.js'
import {fakeEmulator} from './fake-emulator.js'

const scenario = generateScenario({
  seed: 11,
  customers: 200,
  transactions: 2_000,
  start: '2025-01-01T00:00:00.000Z',
  end: '2025-03-01T00:00:00.000Z',
})
const emulator = fakeEmulator(scenario) // kind stripe, ids `${object}_${key}`

/** What a faithful adapter would produce for the expected rows. */
function asNormalized(e: ExpectedTxn): NormalizedTxn {
  return {
    id: `p1:${e.externalId}`,
    provider: 'p1',
    kind: 'stripe',
    externalId: e.externalId,
    parentExternalId: e.parentExternalId,
    type: e.type,
    status: e.status,
    amount: e.amount,
    fee: null,
    net: null,
    customerRef: e.customerRef,
    invoiceRef: null,
    siteRef: null,
    failure: e.failureDecision ? {code: 'x', message: 'x', decision: e.failureDecision} : null,
    occurredAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    metadata: {},
  }
}

describe('expectedTransactions', () => {
  it('derives payments, refunds and disputes as of the end from the scenario', () => {
    const own = scenario.payments.filter((p) => p.gateway === 'stripe')
    const truth = expectedTransactions(scenario, emulator, 'own', scenario.end)
    const payments = truth.filter((t) => t.type === 'payment')
    expect(payments.map((t) => t.externalId)).toEqual(own.map((p) => `payment_${p.key}`))
    expect(truth.filter((t) => t.type === 'refund').length).toBe(own.reduce((n, p) => n + p.refunds.length, 0))
    expect(truth.filter((t) => t.type === 'dispute').length).toBe(own.filter((p) => p.dispute).length)

    const customers = new Map(scenario.customers.map((c) => [c.id, c]))
    for (const p of own) {
      const row = truth.find((t) => t.externalId === `payment_${p.key}`)!
      expect(row.customerRef).toBe(customers.get(p.customer)!.refs.stripe)
      expect(row.status).toBe(p.outcome)
      const hard = p.decline === 'expired_card' || p.decline === 'stolen_card'
      expect(row.failureDecision).toBe(p.outcome === 'failed' ? (hard ? 'terminal' : 'retry') : null)
      for (const r of p.refunds) {
        expect(truth).toContainEqual({
          externalId: `refund_${r.key}`,
          parentExternalId: `payment_${p.key}`,
          type: 'refund',
          status: 'succeeded',
          amount: r.amount,
          customerRef: null,
          failureDecision: null,
        })
      }
      if (p.dispute) {
        const d = truth.find((t) => t.externalId === `dispute_${p.dispute!.key}`)!
        expect(d.status).toBe(p.dispute.outcome ?? 'disputed')
      }
    }
  })

  it('shows the world as of an earlier time: later objects absent, pending still pending, disputes open', () => {
    const pending = scenario.payments.find((p) => p.gateway === 'stripe' && p.outcome === 'succeeded' && p.settledAt)!
    const before = expectedTransactions(scenario, emulator, 'own', pending.createdAt)
    expect(before.find((t) => t.externalId === `payment_${pending.key}`)?.status).toBe('pending')
    expect(before.some((t) => t.externalId > `payment_${pending.key}` && t.type === 'payment')).toBe(false)

    const closed = scenario.payments.find((p) => p.gateway === 'stripe' && p.dispute?.closedAt)!
    const whileOpen = expectedTransactions(scenario, emulator, 'own', closed.dispute!.openedAt)
    expect(whileOpen.find((t) => t.externalId === `dispute_${closed.dispute!.key}`)?.status).toBe('disputed')
  })

  it("covers every gateway's payments with share 'all'", () => {
    const all = expectedTransactions(scenario, emulator, 'all', scenario.end).filter((t) => t.type === 'payment')
    expect(all.length).toBe(scenario.payments.length)
  })
})

describe('compareWithTruth', () => {
  const truth = expectedTransactions(scenario, emulator, 'own', scenario.end)

  it('accepts a faithful rendering, in any order, with customerRef filled on refunds', () => {
    const actual = truth.map(asNormalized).reverse()
    const refund = actual.find((t) => t.type === 'refund')!
    refund.customerRef = 'cus_inherited'
    const result = compareWithTruth(actual, truth)
    expect(result.ok, formatComparison(result)).toBe(true)
  })

  it('reports missing, unexpected, mismatched and duplicated rows readably', () => {
    const actual = truth.map(asNormalized)
    const dropped = actual.splice(3, 1)[0]!
    const failed = actual.find((t) => t.status === 'failed')!
    failed.failure = {code: 'x', message: 'x', decision: failed.failure!.decision === 'retry' ? 'terminal' : 'retry'}
    const paid = actual.find((t) => t.type === 'payment' && t.status === 'succeeded')!
    paid.amount = {minor: paid.amount.minor + 1, currency: paid.amount.currency}
    actual.push({...asNormalized(truth[0]!), externalId: 'payment_ghost'})
    actual.push(asNormalized(truth[5]!))

    const result = compareWithTruth(actual, truth)
    expect(result.ok).toBe(false)
    expect(result.missing.map((m) => m.externalId)).toEqual([dropped.externalId])
    expect(result.unexpected.map((u) => u.externalId)).toEqual(['payment_ghost'])
    expect(result.duplicates).toEqual([truth[5]!.externalId])
    const byId = new Map(result.mismatched.map((m) => [m.externalId, m.diffs.map((d) => d.field)]))
    expect(byId.get(failed.externalId)).toEqual(['failure.decision'])
    expect(byId.get(paid.externalId)).toEqual(['amount'])
    const text = formatComparison(result)
    expect(text).toContain(`missing (1)`)
    expect(text).toContain(dropped.externalId)
    expect(text).toContain(
      `amount expected "${formatMoney(truth.find((t) => t.externalId === paid.externalId)!.amount)}"`,
    )
  })
})
