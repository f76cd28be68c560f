import type {GatewayKind} from '../gateways/registry.js'
import type {Money} from '../core/transaction.js'

/**
 * The sandbox scenario: one world (sites, customers, invoices, payments over time) that every gateway
 * emulator renders in its own wire format. Amounts here are ISO minor units; each emulator converts to its
 * gateway's exponent rules. Everything is derived from a seed, so two runs with one seed are identical.
 */
export interface ScenarioSite {
  id: string
  name: string
  currency: string
  country: string
  timezone: string
}

export interface ScenarioCustomer {
  id: string // the YMS customer id
  site: string
  segment: string
  name: string
  email: string
  /** The customer's id at each gateway (e.g. cus_… at Stripe). */
  refs: Record<GatewayKind, string>
  /** A stored payment method per gateway, for retries (pm_…, card-on-file id, token …). */
  paymentMethods: Record<GatewayKind, string>
}

export interface ScenarioInvoice {
  id: string
  site: string
  customer: string
  amount: Money
  issuedAt: string
  dueAt: string
}

/** Gateway-neutral decline reasons; each emulator maps them to its own codes (docs/gateways.md#declines-and-retries). */
export const DECLINE_REASONS = [
  'insufficient_funds',
  'generic',
  'issuer_unavailable',
  'expired_card',
  'stolen_card',
] as const
export type DeclineReason = (typeof DECLINE_REASONS)[number]

export interface ScenarioRefund {
  key: string // scenario-wide stable key, e.g. r000123-1
  amount: Money
  at: string
}

export interface ScenarioDispute {
  key: string
  amount: Money
  openedAt: string
  /** null while still open at the scenario's end. */
  closedAt: string | null
  outcome: 'won' | 'lost' | null
}

export interface ScenarioPayment {
  key: string // scenario-wide stable key, e.g. p000123
  /** The gateway that processed it when the scenario is split across gateways (the demo's world). */
  gateway: GatewayKind
  customer: string
  invoice: string | null
  amount: Money
  fee: Money // same currency as amount; zero for failed payments
  createdAt: string
  /** Pending payments (e.g. bank debits) that later succeed: pending from createdAt until settledAt. */
  settledAt: string | null
  outcome: 'succeeded' | 'failed'
  decline: DeclineReason | null // set when outcome is failed
  refunds: ScenarioRefund[] // only on succeeded payments; each after settlement, total <= amount
  dispute: ScenarioDispute | null // only on succeeded payments
}

export interface Scenario {
  seed: number
  start: string // ISO UTC
  end: string
  sites: ScenarioSite[]
  customers: ScenarioCustomer[]
  invoices: ScenarioInvoice[]
  payments: ScenarioPayment[]
}

/** One change in the world, as a gateway would announce it (webhook) and reveal it (list endpoints). */
export type ScenarioEventType =
  | 'payment.created' // pending or, for instant payments, already final
  | 'payment.succeeded' // a pending payment settled
  | 'payment.failed'
  | 'refund.created'
  | 'dispute.opened'
  | 'dispute.closed'

export interface ScenarioEvent {
  at: string
  type: ScenarioEventType
  payment: ScenarioPayment
  refund?: ScenarioRefund
}

/** All events of the payments selected, oldest first (ties keep a stable order). */
export function scenarioEvents(payments: readonly ScenarioPayment[]): ScenarioEvent[] {
  const events: ScenarioEvent[] = []
  for (const payment of payments) {
    events.push({at: payment.createdAt, type: 'payment.created', payment})
    if (payment.outcome === 'failed') {
      if (payment.settledAt) events.push({at: payment.settledAt, type: 'payment.failed', payment})
      continue
    }
    if (payment.settledAt) events.push({at: payment.settledAt, type: 'payment.succeeded', payment})
    for (const refund of payment.refunds) events.push({at: refund.at, type: 'refund.created', payment, refund})
    if (payment.dispute) {
      events.push({at: payment.dispute.openedAt, type: 'dispute.opened', payment})
      if (payment.dispute.closedAt) events.push({at: payment.dispute.closedAt, type: 'dispute.closed', payment})
    }
  }
  return events
    .map((event, index) => ({event, index}))
    .sort((a, b) => (a.event.at < b.event.at ? -1 : a.event.at > b.event.at ? 1 : a.index - b.index))
    .map(({event}) => event)
}

/** What a payment looks like at time `at` (ISO), as every gateway must show it. */
export interface PaymentState {
  visible: boolean
  status: 'pending' | 'succeeded' | 'failed'
  refunds: ScenarioRefund[] // those created by `at`
  refundedMinor: number
  dispute: {state: 'open' | 'won' | 'lost'; dispute: ScenarioDispute} | null
}

export function paymentStateAt(payment: ScenarioPayment, at: string): PaymentState {
  const visible = payment.createdAt <= at
  const final = payment.settledAt === null || payment.settledAt <= at
  const status = !final ? 'pending' : payment.outcome
  const refunds = payment.refunds.filter((r) => r.at <= at)
  const refundedMinor = refunds.reduce((sum, r) => sum + r.amount.minor, 0)
  let dispute: PaymentState['dispute'] = null
  const d = payment.dispute
  if (d && d.openedAt <= at) {
    const closed = d.closedAt !== null && d.closedAt <= at && d.outcome !== null
    dispute = {state: closed ? (d.outcome as 'won' | 'lost') : 'open', dispute: d}
  }
  return {visible, status, refunds, refundedMinor, dispute}
}

/** Payments that a gateway renders: its own share of the world, or all of them (the cross-gateway test). */
export function paymentsFor(scenario: Scenario, kind: GatewayKind, share: 'own' | 'all'): ScenarioPayment[] {
  return share === 'all' ? scenario.payments : scenario.payments.filter((p) => p.gateway === kind)
}
