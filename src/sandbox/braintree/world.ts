import type {Decision, Money} from '../../core/transaction.js'
import type {DeclineReason, Scenario, ScenarioPayment} from '../model.js'
import {paymentsFor} from '../model.js'

/**
 * The scenario as Braintree holds it: sale and credit transactions with a status history, and disputes.
 * Everything carries its full timeline; what exists "now" is decided when a request is answered.
 */
export interface StatusEvent {
  status: string
  at: number // epoch ms
}

export interface BtTxn {
  id: string
  type: 'sale' | 'credit'
  amount: Money
  customerId: string | null
  customer: {firstName: string; lastName: string; email: string} | null
  paymentMethodToken: string | null
  orderId: string | null
  merchantAccountId: string
  createdAt: number
  history: StatusEvent[]
  processor: {code: string; text: string; type: string}
  settlement: {code: string; text: string} | null
  gatewayRejectionReason: string | null
  refundedTransactionId: string | null
  refunds: {id: string; at: number}[]
  disputes: BtDispute[]
  /** A scripted sale's card type (MasterCard, …; default Visa) and the network's codes on its decline. */
  cardType?: string
  networkResponseCode?: string
  merchantAdviceCode?: string
}

export interface BtDispute {
  id: string
  transactionId: string
  transactionAmount: Money
  amount: Money
  openedAt: number
  closedAt: number | null
  outcome: 'won' | 'lost' | null
  reason: string
}

export const DECLINES: Readonly<
  Record<DeclineReason, {code: string; text: string; type: 'soft_declined' | 'hard_declined'; decision: Decision}>
> = {
  insufficient_funds: {code: '2001', text: 'Insufficient Funds', type: 'soft_declined', decision: 'retry'},
  generic: {code: '2046', text: 'Declined', type: 'soft_declined', decision: 'retry'},
  issuer_unavailable: {
    code: '3000',
    text: 'Processor Network Unavailable - Try Again',
    type: 'soft_declined',
    decision: 'retry',
  },
  expired_card: {code: '2004', text: 'Expired Card', type: 'hard_declined', decision: 'terminal'},
  stolen_card: {
    code: '2012',
    text: 'Processor Declined - Possible Lost Card',
    type: 'hard_declined',
    decision: 'terminal',
  },
}

export const APPROVED = {code: '1000', text: 'Approved', type: 'approved'}

// Braintree transaction ids are 8 lower-case base-36 characters. A multiplication modulo 36^8 by a number
// coprime to 36 is a bijection, so distinct scenario keys never collide and ids do not look sequential.
const SPACE = 36n ** 8n
const MULTIPLIER = 1_103_515_249n
function scramble(n: bigint, width: number, space: bigint, multiplier: bigint): string {
  return ((n * multiplier) % space).toString(36).padStart(width, '0')
}

/** The Braintree id of a scenario payment (`p000123`), refund (`r000123-2`) or dispute (`d000123`). */
export function braintreeIdFor(object: 'payment' | 'refund' | 'dispute', key: string): string {
  const payment = /^p(\d+)$/.exec(key)
  const refund = /^r(\d+)-(\d+)$/.exec(key)
  const dispute = /^d(\d+)$/.exec(key)
  if (object === 'payment' && payment) return scramble(BigInt(payment[1] as string) * 8n, 8, SPACE, MULTIPLIER)
  if (object === 'refund' && refund && Number(refund[2]) < 8)
    return scramble(BigInt(refund[1] as string) * 8n + BigInt(refund[2] as string), 8, SPACE, MULTIPLIER)
  // Dispute ids are longer (e.g. "ctjqv8c4z3tsm5sz"): 16 characters.
  if (object === 'dispute' && dispute)
    return scramble(BigInt(dispute[1] as string), 16, 36n ** 16n, 1_000_000_007n * 97n)
  throw new Error(`no Braintree id for ${object} key ${JSON.stringify(key)}`)
}

/** The sandbox merchant's accounts, one per currency it sells in. */
export const MERCHANT_CURRENCIES: readonly string[] = ['EUR', 'USD', 'JPY', 'KWD']

export function merchantAccountFor(currency: string): string {
  return `yms_${currency.toLowerCase()}`
}

const ms = (iso: string): number => Date.parse(iso)

function splitName(name: string): {firstName: string; lastName: string} {
  const space = name.indexOf(' ')
  return space === -1
    ? {firstName: name, lastName: ''}
    : {firstName: name.slice(0, space), lastName: name.slice(space + 1)}
}

function saleFor(p: ScenarioPayment, customer: Scenario['customers'][number]): BtTxn {
  const id = braintreeIdFor('payment', p.key)
  const created = ms(p.createdAt)
  const settled = p.settledAt === null ? null : ms(p.settledAt)
  const history: StatusEvent[] = [{status: 'authorized', at: created}]
  let processor: BtTxn['processor'] = APPROVED
  let settlement: BtTxn['settlement'] = null
  if (p.outcome === 'failed' && settled === null) {
    const d = DECLINES[p.decline ?? 'generic']
    processor = {code: d.code, text: d.text, type: d.type}
    history[0] = {status: 'processor_declined', at: created}
  } else if (p.outcome === 'failed') {
    // A debit that was approved, then declined at settlement (the decline code travels as the settlement code).
    const d = DECLINES[p.decline ?? 'generic']
    settlement = {code: d.code, text: d.text}
    history.push(
      {status: 'submitted_for_settlement', at: created},
      {status: 'settlement_declined', at: settled as number},
    )
  } else {
    history.push({status: 'submitted_for_settlement', at: created}, {status: 'settled', at: settled ?? created})
  }
  return {
    id,
    type: 'sale',
    amount: p.amount,
    customerId: customer.refs.braintree,
    customer: {...splitName(customer.name), email: customer.email},
    paymentMethodToken: customer.paymentMethods.braintree,
    orderId: p.invoice,
    merchantAccountId: merchantAccountFor(p.amount.currency),
    createdAt: created,
    history,
    processor,
    settlement,
    gatewayRejectionReason: null,
    refundedTransactionId: null,
    refunds: [],
    disputes: [],
  }
}

export interface World {
  txns: BtTxn[]
  byId: Map<string, BtTxn>
  disputes: BtDispute[]
  /** Stored payment-method token -> its Braintree customer, currency and the YMS customer it belongs to. */
  tokens: Map<string, {customerId: string; currency: string; ymsCustomer: string}>
  customers: Set<string>
}

export function buildWorld(scenario: Scenario, share: 'own' | 'all'): World {
  const customers = new Map(scenario.customers.map((c) => [c.id, c]))
  const sites = new Map(scenario.sites.map((s) => [s.id, s]))
  const txns: BtTxn[] = []
  const disputes: BtDispute[] = []
  for (const p of paymentsFor(scenario, 'braintree', share)) {
    const customer = customers.get(p.customer)
    if (!customer) throw new Error(`scenario payment ${p.key} names unknown customer ${p.customer}`)
    const sale = saleFor(p, customer)
    txns.push(sale)
    for (const r of p.refunds) {
      const at = ms(r.at)
      const credit: BtTxn = {
        ...sale,
        id: braintreeIdFor('refund', r.key),
        type: 'credit',
        amount: r.amount,
        paymentMethodToken: sale.paymentMethodToken,
        createdAt: at,
        history: [
          {status: 'submitted_for_settlement', at},
          {status: 'settled', at},
        ],
        processor: APPROVED,
        settlement: null,
        refundedTransactionId: sale.id,
        refunds: [],
        disputes: [],
      }
      sale.refunds.push({id: credit.id, at})
      txns.push(credit)
    }
    if (p.dispute) {
      const d = p.dispute
      const dispute: BtDispute = {
        id: braintreeIdFor('dispute', d.key),
        transactionId: sale.id,
        transactionAmount: sale.amount,
        amount: d.amount,
        openedAt: ms(d.openedAt),
        closedAt: d.closedAt === null ? null : ms(d.closedAt),
        outcome: d.outcome,
        reason: 'fraud',
      }
      sale.disputes.push(dispute)
      disputes.push(dispute)
    }
  }
  const tokens: World['tokens'] = new Map()
  for (const c of scenario.customers) {
    tokens.set(c.paymentMethods.braintree, {
      ymsCustomer: c.id,
      customerId: c.refs.braintree,
      currency: sites.get(c.site)?.currency ?? 'USD',
    })
  }
  disputes.sort((a, b) => a.openedAt - b.openedAt || (a.id < b.id ? -1 : 1))
  return {
    txns,
    byId: new Map(txns.map((t) => [t.id, t])),
    disputes,
    tokens,
    customers: new Set(scenario.customers.map((c) => c.refs.braintree)),
  }
}

/** The status at `now`, or null when the transaction does not exist yet. */
export function statusAt(t: BtTxn, now: number): StatusEvent | null {
  let current: StatusEvent | null = null
  for (const e of t.history) if (e.at <= now) current = e
  return t.createdAt <= now ? current : null
}

/** When the transaction first entered `status` (at or before now), for the *_at search ranges. */
export function enteredAt(t: BtTxn, status: string, now: number): number | null {
  for (const e of t.history) if (e.status === status && e.at <= now) return e.at
  return null
}

export function disputeStatusAt(d: BtDispute, now: number): {status: string; history: StatusEvent[]} | null {
  if (d.openedAt > now) return null
  const history: StatusEvent[] = [{status: 'open', at: d.openedAt}]
  if (d.closedAt !== null && d.outcome !== null && d.closedAt <= now) history.push({status: d.outcome, at: d.closedAt})
  return {status: (history[history.length - 1] as StatusEvent).status, history}
}
