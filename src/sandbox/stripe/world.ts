import {toGatewayMinor} from '../../core/money.js'
import type {Decision} from '../../core/transaction.js'
import {
  type DeclineReason,
  paymentStateAt,
  paymentsFor,
  type Scenario,
  type ScenarioCustomer,
  type ScenarioEvent,
  scenarioEvents,
  type ScenarioPayment,
  type ScenarioRefund,
} from '../model.js'
import {STRIPE_API_VERSION} from '../../gateways/stripe/api.js'
import {METADATA_INVOICE, METADATA_SITE} from '../../gateways/stripe/translate.js'
import {facts} from '../../gateways/stripe/facts.js'

/**
 * The sandbox world as Stripe stores it: charges, refunds, disputes and events with deterministic ids derived
 * from the scenario keys, rendered in Stripe's wire format as they look at a given moment. No HTTP here.
 */
type Json = Record<string, unknown>

/** Anything Stripe lists: ordered by time, then by a stable sequence for objects created in the same instant. */
export interface Listed {
  id: string
  atMs: number
  seq: number
}
export interface ChargeEntry extends Listed {
  payment: ScenarioPayment
}
export interface RefundEntry extends Listed {
  payment: ScenarioPayment
  refund: ScenarioRefund
}
export interface EventEntry extends Listed {
  type: string
  payment: ScenarioPayment
  refund?: ScenarioRefund
  request?: {id: string; idempotency_key: string}
}

/** Extra facts about charges created through POST /v1/payment_intents. */
export interface CreatedCharge {
  metadata: Record<string, string>
  paymentMethod: string
  /** A scripted charge's card brand and network codes (charge-rules.ts); otherwise a Visa card without them. */
  brand?: string
  networkCode?: string
  networkAdvice?: string
}

/** Neutral decline reasons as Stripe reports them, with the decision docs/gateways.md#stripe-declines gives each. */
export const STRIPE_DECLINES: Readonly<
  Record<DeclineReason, {code: string; failureCode: string; message: string; advice: string | null; decision: Decision}>
> = {
  insufficient_funds: {
    code: 'insufficient_funds',
    failureCode: 'card_declined',
    message: 'Your card has insufficient funds.',
    advice: 'try_again_later',
    decision: 'retry',
  },
  generic: {
    code: 'generic_decline',
    failureCode: 'card_declined',
    message: 'Your card was declined.',
    advice: null,
    decision: 'retry',
  },
  issuer_unavailable: {
    code: 'issuer_not_available',
    failureCode: 'card_declined',
    message: 'Your card was declined.',
    advice: 'try_again_later',
    decision: 'retry',
  },
  expired_card: {
    code: 'expired_card',
    failureCode: 'expired_card',
    message: 'Your card has expired.',
    advice: 'confirm_card_data',
    decision: 'terminal',
  },
  stolen_card: {
    code: 'stolen_card',
    failureCode: 'card_declined',
    message: 'Your card was declined.',
    advice: 'do_not_try_again',
    decision: 'terminal',
  },
}

const clean = (key: string): string => key.replace(/[^A-Za-z0-9]/g, 'x')
export const stripeIds = {
  charge: (key: string) => `ch_${clean(key)}`,
  refund: (key: string) => `re_${clean(key)}`,
  dispute: (key: string) => `dp_${clean(key)}`,
  paymentIntent: (key: string) => `pi_${clean(key)}`,
  balanceTransaction: (key: string) => `txn_${clean(key)}`,
}

const seconds = (ms: number): number => Math.floor(ms / 1000)
const ms = (iso: string): number => Date.parse(iso)
const isoAt = (atMs: number): string => new Date(atMs).toISOString()
const wire = (m: {minor: number; currency: string}): number => toGatewayMinor(m, facts.wire)
const EVENT_RETENTION_MS = 30 * 24 * 3600 * 1000

export class StripeWorld {
  readonly customersByRef = new Map<string, ScenarioCustomer>()
  readonly customersById = new Map<string, ScenarioCustomer>()
  readonly charges: ChargeEntry[] = []
  readonly refunds: RefundEntry[] = []
  readonly disputes: ChargeEntry[] = []
  readonly events: EventEntry[] = []
  readonly chargeById = new Map<string, ChargeEntry>()
  readonly refundById = new Map<string, RefundEntry>()
  readonly disputeById = new Map<string, ChargeEntry>()
  readonly eventById = new Map<string, EventEntry>()
  readonly intentById = new Map<string, ChargeEntry>()
  readonly created = new Map<string, CreatedCharge>() // by payment key
  private seq = 0

  constructor(
    readonly scenario: Scenario,
    share: 'own' | 'all',
  ) {
    for (const c of scenario.customers) {
      this.customersByRef.set(c.refs.stripe, c)
      this.customersById.set(c.id, c)
    }
    const payments = [...paymentsFor(scenario, 'stripe', share)].sort((a, b) =>
      a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0,
    )
    for (const p of payments) this.indexPayment(p)
    this.refunds.sort(byTime)
    this.disputes.sort(byTime)
    for (const e of scenarioEvents(payments)) for (const entry of this.eventsFor(e)) this.addEvent(entry)
  }

  private nextSeq(): number {
    return this.seq++
  }

  private indexPayment(p: ScenarioPayment): ChargeEntry {
    const charge: ChargeEntry = {id: stripeIds.charge(p.key), atMs: ms(p.createdAt), seq: this.nextSeq(), payment: p}
    insertSorted(this.charges, charge)
    this.chargeById.set(charge.id, charge)
    this.intentById.set(stripeIds.paymentIntent(p.key), charge)
    for (const refund of p.refunds) {
      const entry: RefundEntry = {
        id: stripeIds.refund(refund.key),
        atMs: ms(refund.at),
        seq: this.nextSeq(),
        payment: p,
        refund,
      }
      this.refunds.push(entry)
      this.refundById.set(entry.id, entry)
    }
    if (p.dispute) {
      const entry: ChargeEntry = {
        id: stripeIds.dispute(p.dispute.key),
        atMs: ms(p.dispute.openedAt),
        seq: this.nextSeq(),
        payment: p,
      }
      this.disputes.push(entry)
      this.disputeById.set(entry.id, entry)
    }
    return charge
  }

  private addEvent(entry: Omit<EventEntry, 'seq'>): void {
    const full = {...entry, seq: this.nextSeq()}
    insertSorted(this.events, full)
    this.eventById.set(full.id, full)
  }

  /** The Stripe events announcing one scenario event (a refund is both charge.refunded and refund.created). */
  eventsFor(e: ScenarioEvent): Omit<EventEntry, 'seq'>[] {
    const p = e.payment
    const at = ms(e.at)
    const base = {atMs: at, payment: p}
    switch (e.type) {
      case 'payment.created': {
        const type =
          p.settledAt !== null ? 'charge.pending' : p.outcome === 'succeeded' ? 'charge.succeeded' : 'charge.failed'
        return [{...base, id: `evt_${clean(p.key)}_created`, type}]
      }
      case 'payment.succeeded':
        return [{...base, id: `evt_${clean(p.key)}_settled`, type: 'charge.succeeded'}]
      case 'payment.failed':
        return [{...base, id: `evt_${clean(p.key)}_failed`, type: 'charge.failed'}]
      case 'refund.created': {
        const refund = e.refund as ScenarioRefund
        return [
          {...base, refund, id: `evt_${clean(refund.key)}_charge`, type: 'charge.refunded'},
          {...base, refund, id: `evt_${clean(refund.key)}`, type: 'refund.created'},
        ]
      }
      case 'dispute.opened':
        return [{...base, id: `evt_${clean(p.dispute?.key ?? p.key)}_created`, type: 'charge.dispute.created'}]
      case 'dispute.closed':
        return [{...base, id: `evt_${clean(p.dispute?.key ?? p.key)}_closed`, type: 'charge.dispute.closed'}]
    }
  }

  /** Records a charge made through POST /v1/payment_intents, with its events, so lists and the feed show it. */
  addCreatedPayment(
    p: ScenarioPayment,
    extra: CreatedCharge,
    request: {id: string; idempotency_key: string},
  ): ChargeEntry {
    this.created.set(p.key, extra)
    const charge = this.indexPayment(p)
    const at = ms(p.createdAt)
    const ok = p.outcome === 'succeeded'
    this.addEvent({
      id: `evt_${clean(p.key)}_created`,
      type: ok ? 'charge.succeeded' : 'charge.failed',
      atMs: at,
      payment: p,
      request,
    })
    this.addEvent({
      id: `evt_${clean(p.key)}_intent`,
      type: ok ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
      atMs: at,
      payment: p,
      request,
    })
    return charge
  }

  eventVisible(e: EventEntry, nowMs: number): boolean {
    return e.atMs <= nowMs && e.atMs > nowMs - EVENT_RETENTION_MS
  }

  // ---- rendering ----

  renderBalanceTransaction(p: ScenarioPayment, atMs: number): Json {
    const amount = wire(p.amount)
    const fee = wire(p.fee)
    const created = seconds(ms(p.createdAt))
    const state = paymentStateAt(p, isoAt(atMs))
    return {
      id: stripeIds.balanceTransaction(p.key),
      object: 'balance_transaction',
      amount,
      available_on: created + 2 * 86400,
      created,
      currency: p.amount.currency.toLowerCase(),
      description: null,
      exchange_rate: null,
      fee,
      fee_details:
        fee === 0
          ? []
          : [
              {
                amount: fee,
                application: null,
                currency: p.amount.currency.toLowerCase(),
                description: 'Stripe processing fees',
                type: 'stripe_fee',
              },
            ],
      net: amount - fee,
      reporting_category: 'charge',
      source: stripeIds.charge(p.key),
      status: state.status === 'pending' ? 'pending' : 'available',
      type: 'charge',
    }
  }

  renderCharge(p: ScenarioPayment, atMs: number, expand: ReadonlySet<string> = new Set()): Json {
    const state = paymentStateAt(p, isoAt(atMs))
    const customer = this.customersById.get(p.customer)
    const extra = this.created.get(p.key)
    const amount = wire(p.amount)
    const failed = state.status === 'failed'
    const decline = failed && p.decline ? STRIPE_DECLINES[p.decline] : null
    const metadata: Record<string, string> = extra?.metadata ?? {
      ...(p.invoice ? {[METADATA_INVOICE]: p.invoice} : {}),
      ...(customer ? {[METADATA_SITE]: customer.site, yms_customer: customer.id} : {}),
    }
    const bank = p.settledAt !== null
    return {
      id: stripeIds.charge(p.key),
      object: 'charge',
      amount,
      amount_captured: failed ? 0 : amount,
      amount_refunded: wire({minor: state.refundedMinor, currency: p.amount.currency}),
      application_fee_amount: null,
      balance_transaction: failed
        ? null
        : expand.has('balance_transaction')
          ? this.renderBalanceTransaction(p, atMs)
          : stripeIds.balanceTransaction(p.key),
      billing_details: {address: null, email: customer?.email ?? null, name: customer?.name ?? null, phone: null},
      captured: !failed,
      created: seconds(ms(p.createdAt)),
      currency: p.amount.currency.toLowerCase(),
      customer: customer?.refs.stripe ?? null,
      description: p.invoice ? `Invoice ${p.invoice}` : null,
      disputed: state.dispute !== null,
      failure_balance_transaction: null,
      failure_code: decline?.failureCode ?? null,
      failure_message: decline?.message ?? null,
      livemode: false,
      metadata,
      outcome: decline
        ? {
            advice_code: decline.advice,
            network_advice_code: extra?.networkAdvice ?? null,
            network_decline_code: extra?.networkCode ?? null,
            network_status: 'declined_by_network',
            reason: decline.code,
            risk_level: 'normal',
            seller_message: `The bank returned the decline code \`${decline.code}\`.`,
            type: 'issuer_declined',
          }
        : {
            advice_code: null,
            network_status: 'approved_by_network',
            reason: null,
            risk_level: 'normal',
            seller_message: 'Payment complete.',
            type: 'authorized',
          },
      paid: state.status === 'succeeded',
      payment_intent: stripeIds.paymentIntent(p.key),
      payment_method: extra?.paymentMethod ?? customer?.paymentMethods.stripe ?? null,
      payment_method_details: bank
        ? {type: 'sepa_debit', sepa_debit: {last4: '3000'}}
        : {type: 'card', card: {brand: extra?.brand ?? 'visa', last4: '4242'}},
      receipt_email: null,
      refunded: state.refundedMinor === p.amount.minor,
      status: state.status,
    }
  }

  renderRefund(p: ScenarioPayment, refund: ScenarioRefund): Json {
    return {
      id: stripeIds.refund(refund.key),
      object: 'refund',
      amount: wire(refund.amount),
      balance_transaction: stripeIds.balanceTransaction(refund.key),
      charge: stripeIds.charge(p.key),
      created: seconds(ms(refund.at)),
      currency: refund.amount.currency.toLowerCase(),
      destination_details: {type: 'card', card: {type: 'refund'}},
      metadata: {},
      payment_intent: stripeIds.paymentIntent(p.key),
      reason: 'requested_by_customer',
      receipt_number: null,
      status: 'succeeded',
    }
  }

  renderDispute(p: ScenarioPayment, atMs: number): Json {
    const d = p.dispute
    if (!d) throw new Error(`payment ${p.key} has no dispute`)
    const state = paymentStateAt(p, isoAt(atMs)).dispute
    const amount = wire(d.amount)
    const currency = d.amount.currency.toLowerCase()
    const bt = (key: string, sign: number, at: string, category: string): Json => ({
      id: stripeIds.balanceTransaction(key),
      object: 'balance_transaction',
      amount: sign * amount,
      available_on: seconds(ms(at)),
      created: seconds(ms(at)),
      currency,
      fee: 0,
      fee_details: [],
      net: sign * amount,
      reporting_category: category,
      source: stripeIds.dispute(d.key),
      status: 'available',
      type: 'adjustment',
    })
    const balanceTransactions = [bt(d.key, -1, d.openedAt, 'dispute')]
    if (state?.state === 'won' && d.closedAt)
      balanceTransactions.push(bt(`${d.key}r`, 1, d.closedAt, 'dispute_reversal'))
    const opened = seconds(ms(d.openedAt))
    return {
      id: stripeIds.dispute(d.key),
      object: 'dispute',
      amount,
      balance_transactions: balanceTransactions,
      charge: stripeIds.charge(p.key),
      created: opened,
      currency,
      evidence_details: {due_by: opened + 21 * 86400, has_evidence: false, past_due: false, submission_count: 0},
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: stripeIds.paymentIntent(p.key),
      reason: 'fraudulent',
      status: state?.state === 'won' ? 'won' : state?.state === 'lost' ? 'lost' : 'needs_response',
    }
  }

  renderPaymentIntent(p: ScenarioPayment, atMs: number, expand: ReadonlySet<string> = new Set()): Json {
    const charge = this.renderCharge(
      p,
      atMs,
      expand.has('latest_charge.balance_transaction') ? new Set(['balance_transaction']) : new Set(),
    )
    const failed = p.outcome === 'failed'
    const decline = failed && p.decline ? STRIPE_DECLINES[p.decline] : null
    return {
      id: stripeIds.paymentIntent(p.key),
      object: 'payment_intent',
      amount: wire(p.amount),
      amount_received: failed ? 0 : wire(p.amount),
      capture_method: 'automatic',
      client_secret: `${stripeIds.paymentIntent(p.key)}_secret_sandbox`,
      confirmation_method: 'automatic',
      created: seconds(ms(p.createdAt)),
      currency: p.amount.currency.toLowerCase(),
      customer: charge.customer,
      last_payment_error: decline ? declineError(decline, charge) : null,
      latest_charge:
        expand.has('latest_charge') || expand.has('latest_charge.balance_transaction') ? charge : charge.id,
      livemode: false,
      metadata: charge.metadata,
      payment_method: failed ? null : charge.payment_method,
      status: failed ? 'requires_payment_method' : 'succeeded',
    }
  }

  renderEvent(e: EventEntry): Json {
    let object: Json
    if (e.type.startsWith('charge.dispute.')) object = this.renderDispute(e.payment, e.atMs)
    else if (e.type === 'refund.created') object = this.renderRefund(e.payment, e.refund as ScenarioRefund)
    else if (e.type.startsWith('payment_intent.')) object = this.renderPaymentIntent(e.payment, e.atMs)
    else object = this.renderCharge(e.payment, e.atMs)
    return {
      id: e.id,
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: seconds(e.atMs),
      data: {object},
      livemode: false,
      pending_webhooks: 1,
      request: e.request ?? {id: null, idempotency_key: null},
      type: e.type,
    }
  }
}

/** A card_error as Stripe writes it, with the network's codes and the payment method the charge used. */
export function declineError(decline: (typeof STRIPE_DECLINES)[DeclineReason], charge: Json): Json {
  const outcome = charge.outcome as {network_advice_code?: string | null; network_decline_code?: string | null}
  const details = charge.payment_method_details as {card?: Json} | undefined
  return {
    advice_code: decline.advice ?? undefined,
    charge: charge.id,
    code: decline.failureCode,
    decline_code: decline.code,
    doc_url: `https://stripe.com/docs/error-codes/${decline.failureCode.replaceAll('_', '-')}`,
    message: decline.message,
    network_advice_code: outcome.network_advice_code ?? undefined,
    network_decline_code: outcome.network_decline_code ?? undefined,
    payment_method: {id: charge.payment_method, object: 'payment_method', type: 'card', card: details?.card},
    type: 'card_error',
  }
}

function byTime(a: Listed, b: Listed): number {
  return a.atMs - b.atMs || a.seq - b.seq
}

/** Keeps `list` ordered by (time, seq); new objects are nearly always the newest, so search from the end. */
function insertSorted<T extends Listed>(list: T[], entry: T): void {
  let i = list.length
  while (i > 0 && byTime(list[i - 1] as T, entry) > 0) i--
  list.splice(i, 0, entry)
}
