import type {Clock} from '../../core/clock.js'
import type {EmulatorRequest} from '../emulator.js'
import {paymentsFor, type Scenario, type ScenarioCustomer, type ScenarioPayment} from '../model.js'
import {type PaypalIds, paypalIds} from './ids.js'
import {BalanceSheet, type ProcessorBalance} from '../balance.js'
import {payoutRows} from './payouts.js'
import {type ReportRow, rowsFor} from './search-rows.js'

/**
 * The PayPal emulator's state: the scenario's payments indexed the way PayPal's endpoints find them, plus what
 * requests have added (payments made through Orders v2, orders still waiting for approval).
 */
export class PaypalWorld {
  readonly ids: PaypalIds
  readonly customers: Map<string, ScenarioCustomer>
  /** Scenario customers by their vaulted wallet id (`payment_source.paypal.vault_id`). */
  readonly byVault: Map<string, ScenarioCustomer>
  /** Transaction search rows in date order (then id). */
  readonly rows: ReportRow[] = []
  readonly disputeById = new Map<string, ScenarioPayment>()
  private readonly byCapture = new Map<string, ScenarioPayment>()
  private readonly byOrder = new Map<string, ScenarioPayment>()
  /** Payments made through `POST /v2/checkout/orders`. */
  readonly created: ScenarioPayment[] = []
  /** Orders created without a payment source: they stay CREATED, since no payer ever approves them. */
  readonly unapprovedOrders = new Map<string, Record<string, unknown>>()
  private readonly scenarioDisputed: ScenarioPayment[]
  private baseUrl: string | null

  constructor(
    readonly scenario: Scenario,
    share: 'own' | 'all',
    readonly clock: Clock,
    /** Rows show up in the transaction search this long after their date. */
    readonly lateMs: number,
    baseUrl: string | undefined,
  ) {
    this.ids = paypalIds(scenario.seed)
    this.customers = new Map(scenario.customers.map((c) => [c.id, c]))
    this.byVault = new Map(scenario.customers.map((c) => [c.paymentMethods.paypal, c]))
    this.baseUrl = baseUrl?.replace(/\/$/, '') ?? null
    const payments = paymentsFor(scenario, 'paypal', share)
    for (const p of payments) this.index(p)
    this.rows.push(...payoutRows(this.rows, scenario, this.ids))
    this.sortRows()
    this.scenarioDisputed = payments.filter((p) => p.dispute !== null)
  }

  get seed(): number {
    return this.scenario.seed
  }

  nowIso(): string {
    return new Date(this.clock.now()).toISOString()
  }

  /**
   * The base of the absolute URLs the emulator hands out: the configured one, else learned from the Host header
   * of the first request that names one, else empty (a bare path, which the adapter never fetches).
   */
  base(req?: EmulatorRequest): string {
    if (req?.headers.host && this.baseUrl === null) this.baseUrl = `http://${req.headers.host}`
    return this.baseUrl ?? ''
  }

  /**
   * The account's balance per currency at `now` (src/sandbox/balance.ts): every row's net effect
   * (transaction_amount + fee_amount) and the fees PayPal charged or gave back with it, once it is booked. A
   * dispute's hold counts while it lasts, as the open dispute does in yms-pay's ledger.
   */
  balanceAt(now: string): ProcessorBalance[] {
    const sheet = new BalanceSheet()
    for (const {booked} of this.rows)
      if (booked && booked.at <= now) sheet.book(booked.net, {minor: booked.fees, currency: booked.net.currency})
    return sheet.balances()
  }

  /** Disputed payments, the scenario's then those made through Orders v2. */
  disputed(): ScenarioPayment[] {
    return this.scenarioDisputed.concat(this.created.filter((p) => p.dispute))
  }

  /** A payment made through Orders v2: searchable, and announced by webhooks like the scenario's. */
  addCreated(payment: ScenarioPayment): void {
    this.created.push(payment)
    this.index(payment)
    this.sortRows()
  }

  /** The payment whose capture (transaction) id this is. */
  paymentByCapture(id: string): ScenarioPayment | undefined {
    return this.byCapture.get(id)
  }

  /** The payment the order with this id captured. */
  paymentByOrder(id: string): ScenarioPayment | undefined {
    return this.byOrder.get(id)
  }

  private index(p: ScenarioPayment): void {
    this.byCapture.set(this.ids.payment(p.key), p)
    this.byOrder.set(this.ids.order(p.key), p)
    if (p.dispute) this.disputeById.set(this.ids.dispute(p.dispute.key), p)
    this.rows.push(...rowsFor(p, this.customers.get(p.customer), this.ids))
  }

  private sortRows(): void {
    this.rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1))
  }
}
