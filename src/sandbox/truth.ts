import {formatMoney} from '../core/money.js'
import type {Decision, Money, NormalizedTxn} from '../core/transaction.js'
import type {GatewayEmulator} from './emulator.js'
import {paymentStateAt, paymentsFor, type Scenario} from './model.js'

/**
 * What an adapter must produce from an emulator at time `at`, derived from the scenario alone, following the
 * conventions of src/core/transaction.ts: a payment's status is its own lifecycle, refunds and disputes are
 * their own transactions pointing at the payment.
 */
export interface ExpectedTxn {
  externalId: string
  parentExternalId: string | null
  type: 'payment' | 'refund' | 'dispute'
  status: 'pending' | 'succeeded' | 'failed' | 'disputed' | 'won' | 'lost'
  amount: Money
  /** Payments only; null for refunds and disputes, where the adapter may fill it or leave it null. */
  customerRef: string | null
  failureDecision: Decision | null
}

type EmulatorIdentity = Pick<GatewayEmulator, 'kind' | 'externalId' | 'declineFor'>

export function expectedTransactions(
  scenario: Scenario,
  emulator: EmulatorIdentity,
  share: 'own' | 'all',
  at: string,
): ExpectedTxn[] {
  const customers = new Map(scenario.customers.map((c) => [c.id, c]))
  const out: ExpectedTxn[] = []
  for (const payment of paymentsFor(scenario, emulator.kind, share)) {
    const state = paymentStateAt(payment, at)
    if (!state.visible) continue
    const customer = customers.get(payment.customer)
    if (!customer) throw new Error(`scenario payment ${payment.key} names unknown customer ${payment.customer}`)
    const paymentId = emulator.externalId('payment', payment.key)
    let failureDecision: Decision | null = null
    if (state.status === 'failed') {
      if (!payment.decline) throw new Error(`scenario payment ${payment.key} failed without a decline reason`)
      failureDecision = emulator.declineFor(payment.decline).decision
    }
    out.push({
      externalId: paymentId,
      parentExternalId: null,
      type: 'payment',
      status: state.status,
      amount: payment.amount,
      customerRef: customer.refs[emulator.kind],
      failureDecision,
    })
    for (const refund of state.refunds) {
      out.push({
        externalId: emulator.externalId('refund', refund.key),
        parentExternalId: paymentId,
        type: 'refund',
        status: 'succeeded',
        amount: refund.amount,
        customerRef: null,
        failureDecision: null,
      })
    }
    if (state.dispute) {
      out.push({
        externalId: emulator.externalId('dispute', state.dispute.dispute.key),
        parentExternalId: paymentId,
        type: 'dispute',
        status: state.dispute.state === 'open' ? 'disputed' : state.dispute.state,
        amount: state.dispute.dispute.amount,
        customerRef: null,
        failureDecision: null,
      })
    }
  }
  return out
}

export interface FieldDiff {
  field: string
  expected: unknown
  actual: unknown
}

export interface TruthComparison {
  missing: ExpectedTxn[]
  unexpected: NormalizedTxn[]
  mismatched: {externalId: string; diffs: FieldDiff[]}[]
  /** externalIds the adapter produced more than once (the later one is compared). */
  duplicates: string[]
  ok: boolean
}

/** An amount as a person reads it; one that is not valid money (which a comparison may well meet) says so plainly. */
function moneyText(m: Money | null | undefined): string {
  if (!m) return String(m)
  try {
    return formatMoney(m)
  } catch {
    return `${String(m.minor)} minor units of ${String(m.currency)}`
  }
}

/**
 * Compares what an adapter produced with the truth. Refund/dispute `customerRef` is only checked when the
 * truth has one, because the convention lets an adapter fill it from the payment or leave it null.
 */
export function compareWithTruth(actual: readonly NormalizedTxn[], expected: readonly ExpectedTxn[]): TruthComparison {
  const byId = new Map<string, NormalizedTxn>()
  const duplicates: string[] = []
  for (const txn of actual) {
    if (byId.has(txn.externalId)) duplicates.push(txn.externalId)
    byId.set(txn.externalId, txn)
  }
  const expectedIds = new Set(expected.map((e) => e.externalId))
  const missing: ExpectedTxn[] = []
  const mismatched: TruthComparison['mismatched'] = []
  for (const want of expected) {
    const got = byId.get(want.externalId)
    if (!got) {
      missing.push(want)
      continue
    }
    const diffs: FieldDiff[] = []
    const check = (field: string, e: unknown, a: unknown): void => {
      if (e !== a) diffs.push({field, expected: e, actual: a})
    }
    check('type', want.type, got.type)
    check('status', want.status, got.status)
    check('parentExternalId', want.parentExternalId, got.parentExternalId)
    check('amount', moneyText(want.amount), moneyText(got.amount))
    if (want.customerRef !== null) check('customerRef', want.customerRef, got.customerRef)
    check('failure.decision', want.failureDecision, got.failure?.decision ?? null)
    if (diffs.length > 0) mismatched.push({externalId: want.externalId, diffs})
  }
  const unexpected = [...byId.values()].filter((t) => !expectedIds.has(t.externalId))
  return {
    missing,
    unexpected,
    mismatched,
    duplicates,
    ok: missing.length === 0 && unexpected.length === 0 && mismatched.length === 0,
  }
}

/** A readable report for assertion messages: `expect(result.ok, formatComparison(result)).toBe(true)`. */
export function formatComparison(result: TruthComparison, limit = 15): string {
  if (result.ok && result.duplicates.length === 0) return 'adapter output matches the scenario truth'
  const lines: string[] = []
  const section = <T>(title: string, items: readonly T[], render: (item: T) => string): void => {
    if (items.length === 0) return
    lines.push(`${title} (${items.length}):`)
    for (const item of items.slice(0, limit)) lines.push(`  ${render(item)}`)
    if (items.length > limit) lines.push(`  … and ${items.length - limit} more`)
  }
  section(
    'missing',
    result.missing,
    (e) =>
      `${e.type} ${e.externalId} ${e.status} ${moneyText(e.amount)}${e.parentExternalId ? ` of ${e.parentExternalId}` : ''}`,
  )
  section('unexpected', result.unexpected, (t) => `${t.type} ${t.externalId} ${t.status} ${moneyText(t.amount)}`)
  section(
    'mismatched',
    result.mismatched,
    (m) =>
      `${m.externalId}: ${m.diffs.map((d) => `${d.field} expected ${JSON.stringify(d.expected)} got ${JSON.stringify(d.actual)}`).join('; ')}`,
  )
  section('duplicates', result.duplicates, (id) => id)
  return lines.join('\n')
}
