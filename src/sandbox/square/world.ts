import type {ScenarioCustomer, Scenario, ScenarioPayment} from '../model.js'
import {paymentsFor} from '../model.js'
import {UPPER_ALNUM} from '../ids.js'
import {DECLINES, declineInfo} from './declines.js'
import {derive} from './derive.js'
import {squareIds} from './object-ids.js'
import type {PaymentRecord} from './record.js'

/** What a payment created through the API adds to its scenario facts. */
export type RecordExtras = Partial<
  Pick<PaymentRecord, 'customerId' | 'locationId' | 'referenceId' | 'note' | 'decline' | 'brand'>
>

/**
 * The Square account the emulator serves: the scenario's payments (and those created through the API) as
 * Square records, indexed the ways the routes look them up. `version` counts additions, so views built from
 * the records know when they are stale.
 */
export class SquareWorld {
  readonly seed: number
  readonly merchantId: string
  /** Where a payment goes when neither the request nor its customer names a location. */
  readonly defaultLocation: string
  readonly records: PaymentRecord[] = []
  /** Payments made through POST /v2/payments, as scenario payments. */
  readonly created: ScenarioPayment[] = []
  version = 0

  private readonly locationIds: Set<string>
  private readonly customers: Map<string, ScenarioCustomer>
  private readonly cardOwners: Map<string, ScenarioCustomer>
  private readonly customersByRef: Map<string, ScenarioCustomer>
  private readonly byKey = new Map<string, PaymentRecord>()
  private readonly byId = new Map<string, PaymentRecord>()
  private readonly refundById = new Map<string, {rec: PaymentRecord; key: string}>()

  constructor(
    readonly scenario: Scenario,
    share: 'own' | 'all',
  ) {
    const seed = scenario.seed
    this.seed = seed
    this.merchantId = squareIds.merchant(seed)
    this.customers = new Map(scenario.customers.map((c) => [c.id, c]))
    this.cardOwners = new Map(scenario.customers.map((c) => [c.paymentMethods.square, c]))
    this.customersByRef = new Map(scenario.customers.map((c) => [c.refs.square, c]))
    this.locationIds = new Set(scenario.sites.map((s) => squareIds.location(seed, s.id)))
    const first = scenario.sites[0]
    this.defaultLocation = first ? squareIds.location(seed, first.id) : `L${derive(12, UPPER_ALNUM, seed, 'main')}`
    for (const p of paymentsFor(scenario, 'square', share)) this.addRecord(p)
  }

  addRecord(p: ScenarioPayment, extra: RecordExtras = {}): PaymentRecord {
    const {seed} = this
    const customer = this.customers.get(p.customer)
    const id = squareIds.payment(seed, p.key)
    const rec: PaymentRecord = {
      p,
      id,
      refundIds: new Map(p.refunds.map((r) => [r.key, squareIds.refund(seed, id, r.key)])),
      disputeId: p.dispute ? squareIds.dispute(seed, p.dispute.key) : null,
      customerId: extra.customerId ?? customer?.refs.square,
      locationId:
        extra.locationId ??
        (customer ? squareIds.location(seed, this.siteOf(customer.site)?.id ?? '') : this.defaultLocation),
      referenceId: extra.referenceId ?? p.invoice ?? undefined,
      note: extra.note,
      // Payments that stay pending before they settle are bank (ACH) debits; the rest are cards on file.
      sourceType: p.settledAt !== null ? 'BANK_ACCOUNT' : 'CARD',
      decline: extra.decline ?? (p.decline ? declineInfo(DECLINES[p.decline].code) : null),
      ...(extra.brand ? {brand: extra.brand} : {}),
    }
    this.records.push(rec)
    this.byKey.set(p.key, rec)
    this.byId.set(id, rec)
    for (const [key, refundId] of rec.refundIds) this.refundById.set(refundId, {rec, key})
    this.version++
    return rec
  }

  /** The record of a scenario payment, added on first sight (webhooks may announce one the world has not listed). */
  recordFor(p: ScenarioPayment): PaymentRecord {
    return this.byKey.get(p.key) ?? this.addRecord(p)
  }

  recordOfKey(key: string): PaymentRecord | undefined {
    return this.byKey.get(key)
  }

  payment(id: string): PaymentRecord | undefined {
    return this.byId.get(id)
  }

  refund(id: string): {rec: PaymentRecord; key: string} | undefined {
    return this.refundById.get(id)
  }

  disputeRecord(id: string): PaymentRecord | undefined {
    return this.records.find((r) => r.disputeId === id)
  }

  hasLocation(id: string): boolean {
    return this.locationIds.has(id) || id === this.defaultLocation
  }

  isCardOnFile(source: string): boolean {
    return this.cardOwners.has(source)
  }

  /** The scenario customer a payment source or Square customer id belongs to. */
  ownerOf(source: string, customerId: string | undefined): ScenarioCustomer | undefined {
    return this.cardOwners.get(source) ?? (customerId ? this.customersByRef.get(customerId) : undefined)
  }

  private siteOf(siteId: string) {
    return this.scenario.sites.find((s) => s.id === siteId) ?? this.scenario.sites[0]
  }
}
