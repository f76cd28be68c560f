import {describe, expect, it} from 'vitest'

import {GATEWAY_KINDS} from '../../src/gateways/registry.js'
import {UsageError} from '../../src/core/errors.js'
import {generateScenario, type GenerateOptions} from '../../src/sandbox/generate.js'
import {scenarioEvents, type Scenario} from '../../src/sandbox/model.js'

const BASE: GenerateOptions = {
  seed: 7,
  customers: 1_000,
  transactions: 10_000,
  start: '2025-01-01T00:00:00.000Z',
  end: '2025-04-01T00:00:00.000Z',
}
const world = generateScenario(BASE)

const ratio = (part: number, whole: number): number => part / whole
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe('generateScenario determinism', () => {
  it('gives an identical world for the same seed and a different one for another seed', () => {
    const again = generateScenario(BASE)
    expect(JSON.stringify(again)).toBe(JSON.stringify(world))
    const other = generateScenario({...BASE, seed: 8})
    expect(other.payments.map((p) => p.amount.minor)).not.toEqual(world.payments.map((p) => p.amount.minor))
    expect(other.customers.map((c) => c.refs.stripe)).not.toEqual(world.customers.map((c) => c.refs.stripe))
  })

  it('keeps the customers when only the number of transactions changes', () => {
    const fewer = generateScenario({...BASE, transactions: 100})
    expect(fewer.customers).toEqual(world.customers)
  })

  it('generates 10k payments well under a second', () => {
    const started = performance.now()
    generateScenario({...BASE, seed: 99})
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('rejects impossible options with a usage error', () => {
    expect(() => generateScenario({...BASE, end: BASE.start})).toThrow(UsageError)
    expect(() => generateScenario({...BASE, start: 'yesterday'})).toThrow(/start must be an ISO-8601/)
    expect(() => generateScenario({...BASE, customers: 0})).toThrow(UsageError)
    expect(() => generateScenario({...BASE, transactions: -1})).toThrow(UsageError)
  })
})

describe('generateScenario world shape', () => {
  it('has stable sites in EUR, USD, JPY and KWD', () => {
    expect(world.sites.map((s) => [s.id, s.currency])).toEqual([
      ['berlin', 'EUR'],
      ['boston', 'USD'],
      ['tokyo', 'JPY'],
      ['kuwait', 'KWD'],
    ])
    const used = new Set(world.customers.map((c) => c.site))
    expect(used.size).toBe(4)
    expect(new Set(world.customers.map((c) => c.segment))).toEqual(new Set(['retail', 'wholesale', 'vip']))
  })

  it('gives every customer an id and a stored payment method in each gateway style, unique per gateway', () => {
    const formats: Record<string, [RegExp, RegExp]> = {
      stripe: [/^cus_[A-Za-z0-9]{14}$/, /^pm_[A-Za-z0-9]{24}$/],
      square: [/^[A-Z0-9]{26}$/, /^ccof:[A-Za-z0-9]{16}$/],
      braintree: [/^\d{9}$/, /^[a-z0-9]{8}$/],
      adyen: [/^shopper-c\d{6}$/, /^\d{16}$/],
      paypal: [/^[A-Z0-9]{13}$/, /^[a-z0-9]{8}$/],
    }
    for (const kind of GATEWAY_KINDS) {
      const [ref, method] = formats[kind]!
      for (const c of world.customers) {
        expect(c.refs[kind]).toMatch(ref)
        expect(c.paymentMethods[kind]).toMatch(method)
      }
      expect(new Set(world.customers.map((c) => c.refs[kind])).size).toBe(world.customers.length)
      expect(new Set(world.customers.map((c) => c.paymentMethods[kind])).size).toBe(world.customers.length)
    }
  })

  it('has the requested mix of outcomes over 10k payments', () => {
    const n = world.payments.length
    const failed = world.payments.filter((p) => p.outcome === 'failed')
    const succeeded = world.payments.filter((p) => p.outcome === 'succeeded')
    const pendingThenSucceeded = succeeded.filter((p) => p.settledAt !== null)
    const refunded = succeeded.filter((p) => p.refunds.length > 0)
    const disputed = succeeded.filter((p) => p.dispute !== null)
    expect(ratio(failed.length, n)).toBeGreaterThan(0.065)
    expect(ratio(failed.length, n)).toBeLessThan(0.095)
    expect(ratio(pendingThenSucceeded.length, n)).toBeGreaterThan(0.04)
    expect(ratio(pendingThenSucceeded.length, n)).toBeLessThan(0.06)
    expect(ratio(refunded.length, succeeded.length)).toBeGreaterThan(0.085)
    expect(ratio(refunded.length, succeeded.length)).toBeLessThan(0.115)
    expect(ratio(disputed.length, succeeded.length)).toBeGreaterThan(0.013)
    expect(ratio(disputed.length, succeeded.length)).toBeLessThan(0.027)

    const full = refunded.filter((p) => p.refunds.reduce((s, r) => s + r.amount.minor, 0) === p.amount.minor)
    expect(full.length).toBeGreaterThan(refunded.length * 0.3)
    expect(full.length).toBeLessThan(refunded.length * 0.8)
    expect(refunded.some((p) => p.refunds.length === 2)).toBe(true)

    const reasons = new Set(failed.map((p) => p.decline))
    expect(reasons).toEqual(
      new Set(['insufficient_funds', 'generic', 'issuer_unavailable', 'expired_card', 'stolen_card']),
    )
    const hard = failed.filter((p) => p.decline === 'expired_card' || p.decline === 'stolen_card')
    expect(ratio(hard.length, failed.length)).toBeGreaterThan(0.15)
    expect(ratio(hard.length, failed.length)).toBeLessThan(0.45)
    // Some declines arrive later (bank debits), so payment.failed events exist.
    expect(failed.some((p) => p.settledAt !== null)).toBe(true)

    const outcomes = new Set(disputed.map((p) => p.dispute!.outcome))
    expect(outcomes).toEqual(new Set(['won', 'lost', null]))
  })

  it('links most payments to invoices and leaves some unpaid, partially paid and overpaid', () => {
    const invoices = new Map(world.invoices.map((i) => [i.id, i]))
    expect(invoices.size).toBe(world.invoices.length)
    const linked = world.payments.filter((p) => p.invoice !== null)
    expect(ratio(linked.length, world.payments.length)).toBeGreaterThan(0.85)
    let partial = 0
    let over = 0
    for (const p of linked) {
      const invoice = invoices.get(p.invoice!)
      expect(invoice, p.key).toBeDefined()
      expect(invoice!.customer).toBe(p.customer)
      expect(invoice!.amount.currency).toBe(p.amount.currency)
      expect(invoice!.issuedAt <= p.createdAt).toBe(true)
      if (invoice!.amount.minor > p.amount.minor) partial++
      if (invoice!.amount.minor < p.amount.minor) over++
    }
    expect(ratio(partial, linked.length)).toBeGreaterThan(0.02)
    expect(ratio(over, linked.length)).toBeGreaterThan(0.01)
    const paidIds = new Set(linked.map((p) => p.invoice))
    const unpaid = world.invoices.filter((i) => !paidIds.has(i.id))
    expect(ratio(unpaid.length, world.invoices.length)).toBeGreaterThan(0.03)
    for (const i of world.invoices) expect(i.dueAt > i.issuedAt).toBe(true)
  })

  it('assigns each customer to one gateway, round-robin over those requested', () => {
    const byCustomer = new Map<string, Set<string>>()
    for (const p of world.payments) byCustomer.set(p.customer, (byCustomer.get(p.customer) ?? new Set()).add(p.gateway))
    for (const gateways of byCustomer.values()) expect(gateways.size).toBe(1)
    expect(new Set(world.payments.map((p) => p.gateway))).toEqual(new Set(GATEWAY_KINDS))
    const two = generateScenario({...BASE, transactions: 500, gateways: ['square', 'adyen']})
    expect(new Set(two.payments.map((p) => p.gateway))).toEqual(new Set(['square', 'adyen']))
  })
})

function checkInvariants(s: Scenario): void {
  const customers = new Map(s.customers.map((c) => [c.id, c]))
  const sites = new Map(s.sites.map((x) => [x.id, x]))
  const inRange = (t: string): boolean => ISO_MS.test(t) && t >= s.start && t <= s.end
  const minorOk = (minor: number, currency: string): boolean =>
    Number.isSafeInteger(minor) && minor >= 0 && (currency !== 'KWD' || minor % 10 === 0)
  let previous = ''
  for (const p of s.payments) {
    const customer = customers.get(p.customer)
    expect(customer, p.key).toBeDefined()
    expect(p.amount.currency).toBe(sites.get(customer!.site)!.currency)
    expect(p.fee.currency).toBe(p.amount.currency)
    expect(minorOk(p.amount.minor, p.amount.currency) && p.amount.minor > 0, `${p.key} amount ${p.amount.minor}`).toBe(
      true,
    )
    expect(minorOk(p.fee.minor, p.fee.currency), `${p.key} fee`).toBe(true)
    expect(inRange(p.createdAt), p.createdAt).toBe(true)
    expect(p.createdAt >= previous).toBe(true)
    previous = p.createdAt
    const settled = p.settledAt ?? p.createdAt
    if (p.settledAt !== null) expect(inRange(p.settledAt) && p.settledAt > p.createdAt).toBe(true)
    if (p.outcome === 'failed') {
      expect(p.decline).not.toBeNull()
      expect(p.fee.minor).toBe(0)
      expect(p.refunds).toEqual([])
      expect(p.dispute).toBeNull()
      continue
    }
    expect(p.decline).toBeNull()
    expect(p.fee.minor).toBeGreaterThan(0)
    expect(p.fee.minor).toBeLessThan(p.amount.minor)
    let refunded = 0
    let last = settled
    for (const r of p.refunds) {
      expect(r.amount.currency).toBe(p.amount.currency)
      expect(minorOk(r.amount.minor, r.amount.currency) && r.amount.minor > 0).toBe(true)
      expect(inRange(r.at) && r.at > last, `${r.key} at ${r.at} after ${last}`).toBe(true)
      last = r.at
      refunded += r.amount.minor
    }
    expect(refunded).toBeLessThanOrEqual(p.amount.minor)
    if (p.dispute) {
      const d = p.dispute
      expect(d.amount).toEqual(p.amount)
      expect(inRange(d.openedAt) && d.openedAt > settled).toBe(true)
      expect(d.closedAt === null).toBe(d.outcome === null)
      if (d.closedAt) expect(inRange(d.closedAt) && d.closedAt > d.openedAt).toBe(true)
    }
  }
  for (const i of s.invoices) {
    expect(customers.get(i.customer)?.site).toBe(i.site)
    expect(i.amount.currency).toBe(sites.get(i.site)!.currency)
    expect(minorOk(i.amount.minor, i.amount.currency) && i.amount.minor > 0).toBe(true)
    expect(inRange(i.issuedAt)).toBe(true)
  }
  for (const e of scenarioEvents(s.payments)) expect(inRange(e.at)).toBe(true)
}

describe('generateScenario invariants', () => {
  it('hold over 10k payments', () => {
    checkInvariants(world)
    const kwd = world.payments.filter((p) => p.amount.currency === 'KWD')
    const jpy = world.payments.filter((p) => p.amount.currency === 'JPY')
    expect(kwd.length).toBeGreaterThan(500)
    expect(jpy.length).toBeGreaterThan(500)
    // KWD amounts really use three decimals (not all whole dinars), JPY is whole yen.
    expect(kwd.some((p) => p.amount.minor % 1000 !== 0)).toBe(true)
  })

  it('hold for small, short and odd worlds', () => {
    for (const seed of [1, 2, 3]) {
      checkInvariants(
        generateScenario({
          seed,
          customers: 3,
          transactions: 300,
          start: '2025-06-01T00:00:00.000Z',
          end: '2025-06-01T06:00:00.000Z',
        }),
      )
    }
    const empty = generateScenario({...BASE, transactions: 0})
    expect(empty.payments).toEqual([])
  })
})
