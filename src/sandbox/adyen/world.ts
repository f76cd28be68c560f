import {createHash} from 'node:crypto'

import type {Clock} from '../../core/clock.js'
import type {Money} from '../../core/transaction.js'
import type {EmulatorOptions} from '../emulator.js'
import {type DeclineReason, paymentsFor, type ScenarioCustomer, type ScenarioPayment} from '../model.js'
import {formatMerchantReference} from '../../gateways/adyen/reference.js'
import {bookBatches} from './batches.js'
import type {PaymentEntry, ReportEntry} from './entries.js'

/**
 * The scenario as Adyen holds it: PSP references derived from the scenario keys, the merchant reference each
 * payment was made with, and the settlement details report's batches. Only the scenario decides what exists:
 * - Most payments come from the merchant's own checkout, whose merchant reference is its invoice or order number
 *   and names nobody yms-pay knows; the rest were made by yms-pay (`<customer>:<invoice>:<key>`). Either way
 *   Adyen knows the shopper reference, which the report's Shopper Reference column and the webhooks carry.
 * - One batch per UTC day from the scenario's start day (batch 1) to its end day; a batch exists once its day
 *   has ended by clock.now(). Its payment lines: Settled (at settledAt, or createdAt for instant payments),
 *   Refunded, Chargeback (dispute opened), ChargebackReversed (dispute won). Failed and pending payments never
 *   settle, and a lost dispute books nothing more, so they are not in it. The merchant's own bookings (fees,
 *   deposit corrections, payouts, balance transfers) are added per batch by batches.ts.
 * No HTTP and no wire format here.
 */
export const MERCHANT_ACCOUNT = 'YmsPayECOM'
export const COMPANY_ACCOUNT = 'YmsPayCompany'
/** Adyen's report users are named `report@Company.<company account>`. */
export const REPORT_USER = `report@Company.${COMPANY_ACCOUNT}`
const DAY = 86_400_000

/** The refusal code Adyen gives for each neutral decline reason. */
export const DECLINES: Readonly<Record<DeclineReason, string>> = {
  insufficient_funds: '12',
  generic: '2',
  issuer_unavailable: '9',
  expired_card: '6',
  stolen_card: '5',
}

/** Deterministic 16-digit PSP references; the first digit says what the object is. */
const PSP_PREFIX = {payment: '8', refund: '7', dispute: '6', capture: '5', created: '4'} as const
export function pspReference(object: keyof typeof PSP_PREFIX, key: string): string {
  const digest = BigInt(`0x${createHash('sha256').update(`${object}:${key}`).digest('hex')}`)
  return PSP_PREFIX[object] + (digest % 10n ** 15n).toString().padStart(15, '0')
}

const ms = (iso: string): number => Date.parse(iso)

export class AdyenWorld {
  readonly payments: ScenarioPayment[]
  /** Midnight UTC of the scenario's first day: batch n covers [day0 + (n-1) days, day0 + n days). */
  readonly day0: number
  private readonly lastBatch: number
  private readonly customers: Map<string, ScenarioCustomer>
  private readonly clock: Clock
  private byBatch: Map<number, ReportEntry[]> | null = null

  constructor(opts: Pick<EmulatorOptions, 'scenario' | 'share' | 'clock'>) {
    this.payments = paymentsFor(opts.scenario, 'adyen', opts.share)
    this.customers = new Map(opts.scenario.customers.map((c) => [c.id, c]))
    this.clock = opts.clock
    this.day0 = Math.floor(ms(opts.scenario.start) / DAY) * DAY
    this.lastBatch = this.batchOf(ms(opts.scenario.end))
  }

  shopperOf(p: ScenarioPayment): string {
    return this.customers.get(p.customer)?.refs.adyen ?? p.customer
  }

  /** Whether yms-pay made the payment (one in three, by its key) or the merchant's own checkout did. */
  madeByYmsPay(p: ScenarioPayment): boolean {
    return createHash('sha256').update(`origin:${p.key}`).digest()[0]! % 3 === 0
  }

  /** The merchant reference: yms-pay's own form, or the checkout's invoice or order number. */
  referenceOf(p: ScenarioPayment): string {
    if (!this.madeByYmsPay(p)) return p.invoice ?? `order-${p.key}`
    return formatMerchantReference({customerRef: this.shopperOf(p), invoiceRef: p.invoice, paymentKey: p.key})
  }

  batchOf(t: number): number {
    return Math.floor((t - this.day0) / DAY) + 1
  }

  /** When batch n is generated: the end of its day. */
  batchClosesAt(n: number): number {
    return this.day0 + n * DAY
  }

  batchExists(n: number): boolean {
    return Number.isSafeInteger(n) && n >= 1 && n <= this.lastBatch && this.batchClosesAt(n) <= this.clock.now()
  }

  /** Batch n's lines in time order: its payments' and the merchant's own bookings (empty for a quiet day). */
  entries(n: number): ReportEntry[] {
    this.byBatch ??= bookBatches(groupByBatch(this.paymentEntries()), {
      lastBatch: this.lastBatch,
      opensAt: (b) => this.batchClosesAt(b - 1),
      closesAt: (b) => this.batchClosesAt(b),
    })
    return this.byBatch.get(n) ?? []
  }

  /** Every batch's lines, booked or not yet (each line says when it is booked). */
  *allEntries(): Generator<ReportEntry> {
    for (let n = 1; n <= this.lastBatch; n++) yield* this.entries(n)
  }

  /** The customer a shopperReference names, as the scenario lists them. */
  customerByShopper(shopperReference: unknown): ScenarioCustomer | undefined {
    return [...this.customers.values()].find((c) => c.refs.adyen === shopperReference)
  }

  /** The shopper's payment made last before `nowIso`: a new charge of the card ends as that one did. */
  latestPaymentOf(customer: ScenarioCustomer, nowIso: string): ScenarioPayment | undefined {
    return this.payments.filter((p) => p.customer === customer.id && p.createdAt <= nowIso).at(-1)
  }

  private paymentEntries(): PaymentEntry[] {
    const out: PaymentEntry[] = []
    const add = (
      p: ScenarioPayment,
      at: string,
      type: PaymentEntry['type'],
      modification: string,
      gross: Money,
      side: PaymentEntry['side'],
      fee: Money | null,
    ): void => {
      out.push({
        kind: 'payment',
        batch: this.batchOf(ms(at)),
        at: ms(at),
        payment: p,
        type,
        modification,
        gross,
        side,
        fee,
      })
    }
    for (const p of this.payments) {
      if (p.outcome !== 'succeeded') continue
      add(p, p.settledAt ?? p.createdAt, 'Settled', pspReference('capture', p.key), p.amount, 'credit', p.fee)
      for (const r of p.refunds) add(p, r.at, 'Refunded', pspReference('refund', r.key), r.amount, 'debit', null)
      const d = p.dispute
      if (d) {
        add(p, d.openedAt, 'Chargeback', pspReference('dispute', d.key), d.amount, 'debit', null)
        if (d.closedAt && d.outcome === 'won')
          add(p, d.closedAt, 'ChargebackReversed', pspReference('dispute', d.key), d.amount, 'credit', null)
      }
    }
    return out.sort((a, b) => a.at - b.at)
  }
}

function groupByBatch(entries: readonly PaymentEntry[]): Map<number, PaymentEntry[]> {
  const byBatch = new Map<number, PaymentEntry[]>()
  for (const entry of entries) {
    let list = byBatch.get(entry.batch)
    if (!list) byBatch.set(entry.batch, (list = []))
    list.push(entry)
  }
  return byBatch
}
