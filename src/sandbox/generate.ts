import type {Money} from '../core/transaction.js'
import {UsageError} from '../core/errors.js'
import {GATEWAY_KINDS, type GatewayKind, isGatewayKind} from '../gateways/registry.js'
import type {
  DeclineReason,
  Scenario,
  ScenarioCustomer,
  ScenarioDispute,
  ScenarioInvoice,
  ScenarioPayment,
  ScenarioRefund,
  ScenarioSite,
} from './model.js'
import {createRng, type Rng} from './prng.js'
import {sandboxIds} from './registry.js'
import {type CurrencyProfile, PROFILES, sandboxFee} from './fees.js'

/**
 * The sandbox world: sites in several currencies (JPY with no minor unit, KWD with three), customers with an
 * id and a stored payment method at every gateway, invoices and payments over [start, end]. Pure: the seed and
 * the options decide everything, so the emulators, the export and the truth used by tests agree.
 */
export interface GenerateOptions {
  seed: number
  customers: number
  transactions: number
  start: string // ISO
  end: string // ISO
  /** Gateways that process payments, round-robin by customer. Default: all. */
  gateways?: readonly GatewayKind[]
}

export const SANDBOX_SITES: readonly ScenarioSite[] = [
  {id: 'berlin', name: 'Berlin', currency: 'EUR', country: 'DE', timezone: 'Europe/Berlin'},
  {id: 'boston', name: 'Boston', currency: 'USD', country: 'US', timezone: 'America/New_York'},
  {id: 'tokyo', name: 'Tokyo', currency: 'JPY', country: 'JP', timezone: 'Asia/Tokyo'},
  {id: 'kuwait', name: 'Kuwait City', currency: 'KWD', country: 'KW', timezone: 'Asia/Kuwait'},
]

export const SEGMENTS = ['retail', 'wholesale', 'vip'] as const

export const SEGMENT_FACTOR: Record<(typeof SEGMENTS)[number], number> = {retail: 1, wholesale: 6, vip: 3}

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** [display, ascii for the e-mail address] per site. */
const NAMES: Record<
  string,
  {first: readonly (readonly [string, string])[]; last: readonly (readonly [string, string])[]}
> = {
  berlin: {
    first: [
      ['Anna', 'anna'],
      ['Jürgen', 'juergen'],
      ['Lena', 'lena'],
      ['Max', 'max'],
      ['Sophie', 'sophie'],
      ['Lukas', 'lukas'],
    ],
    last: [
      ['Müller', 'mueller'],
      ['Schmidt', 'schmidt'],
      ['Weiß', 'weiss'],
      ['Becker', 'becker'],
      ['Schäfer', 'schaefer'],
    ],
  },
  boston: {
    first: [
      ['Emily', 'emily'],
      ['James', 'james'],
      ['Olivia', 'olivia'],
      ['Noah', 'noah'],
      ['Ava', 'ava'],
      ['Liam', 'liam'],
    ],
    last: [
      ["O'Brien", 'obrien'],
      ['Smith', 'smith'],
      ['Johnson', 'johnson'],
      ['Garcia', 'garcia'],
      ['Walsh', 'walsh'],
    ],
  },
  tokyo: {
    first: [
      ['Yuki', 'yuki'],
      ['Haruto', 'haruto'],
      ['Sakura', 'sakura'],
      ['Ren', 'ren'],
      ['Aoi', 'aoi'],
      ['Sōta', 'sota'],
    ],
    last: [
      ['Satō', 'sato'],
      ['Suzuki', 'suzuki'],
      ['Takahashi', 'takahashi'],
      ['Tanaka', 'tanaka'],
      ['Itō', 'ito'],
    ],
  },
  kuwait: {
    first: [
      ['Fatima', 'fatima'],
      ['Ahmad', 'ahmad'],
      ['Noura', 'noura'],
      ['Yousef', 'yousef'],
      ['Maryam', 'maryam'],
      ['Ali', 'ali'],
    ],
    last: [
      ['Al-Sabah', 'alsabah'],
      ['Al-Mutairi', 'almutairi'],
      ['Al-Enezi', 'alenezi'],
      ['Hussain', 'hussain'],
      ['Al-Kandari', 'alkandari'],
    ],
  },
}
/** Wholesale customers are companies; some names carry commas and quotes, which the CSV export must survive. */
const COMPANY_SUFFIX = [' GmbH', ' & Co, Ltd.', ' Holdings', ' "Trading" LLC', ' K.K.', ', Inc.']

function parseTime(value: string, field: string): number {
  const ms = Date.parse(value)
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms))
    throw new UsageError(`${field} must be an ISO-8601 timestamp, got "${value}"`)
  return ms
}

function keyWidth(count: number): number {
  return Math.max(6, String(count).length)
}

function key(prefix: string, n: number, width: number): string {
  return prefix + String(n).padStart(width, '0')
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** A value in [min, max] on the currency's step, scaled by the customer's segment. */
export function drawAmount(rng: Rng, profile: CurrencyProfile, factor: number): number {
  // Log-uniform: many small payments, a tail of large ones, as real price lists look.
  const logMin = Math.log(profile.min * factor)
  const logMax = Math.log(profile.max * factor)
  const raw = Math.exp(logMin + rng.next() * (logMax - logMin))
  return Math.max(profile.step, Math.round(raw / profile.step) * profile.step)
}

function quantize(value: number, step: number): number {
  return Math.floor(value / step) * step
}

function makeCustomers(rng: Rng, count: number): ScenarioCustomer[] {
  const width = keyWidth(count)
  const customers: ScenarioCustomer[] = new Array(count)
  const usedShort = new Set<string>()
  const unique = (make: () => string): string => {
    for (;;) {
      const value = make()
      if (!usedShort.has(value)) {
        usedShort.add(value)
        return value
      }
    }
  }
  for (let i = 0; i < count; i++) {
    const id = key('c', i + 1, width)
    const site = rng.weighted<ScenarioSite>([
      [SANDBOX_SITES[0]!, 35],
      [SANDBOX_SITES[1]!, 30],
      [SANDBOX_SITES[2]!, 20],
      [SANDBOX_SITES[3]!, 15],
    ])
    const segment = rng.weighted<(typeof SEGMENTS)[number]>([
      ['retail', 70],
      ['wholesale', 20],
      ['vip', 10],
    ])
    const names = NAMES[site.id]!
    const [first, firstAscii] = rng.pick(names.first)
    const [last, lastAscii] = rng.pick(names.last)
    const name = segment === 'wholesale' ? `${last}${rng.pick(COMPANY_SUFFIX)}` : `${first} ${last}`
    const email =
      segment === 'wholesale'
        ? `billing.${lastAscii}.${i + 1}@example.com`
        : `${firstAscii}.${lastAscii}.${i + 1}@example.com`
    const draw = {rng, index: i, customerId: id, unique}
    const refs = {} as Record<GatewayKind, string>
    const paymentMethods = {} as Record<GatewayKind, string>
    for (const kind of GATEWAY_KINDS) refs[kind] = sandboxIds(kind).customer(draw)
    for (const kind of GATEWAY_KINDS) paymentMethods[kind] = sandboxIds(kind).paymentMethod(draw)
    customers[i] = {id, site: site.id, segment, name, email, refs, paymentMethods}
  }
  return customers
}

export const SOFT: readonly DeclineReason[] = ['insufficient_funds', 'generic', 'issuer_unavailable']
export const HARD: readonly DeclineReason[] = ['expired_card', 'stolen_card']

export function generateScenario(opts: GenerateOptions): Scenario {
  const startMs = parseTime(opts.start, 'start')
  const endMs = parseTime(opts.end, 'end')
  if (endMs <= startMs) throw new UsageError(`end (${opts.end}) must be after start (${opts.start})`)
  if (!Number.isSafeInteger(opts.customers) || opts.customers < 1)
    throw new UsageError(`customers must be a positive integer, got ${opts.customers}`)
  if (!Number.isSafeInteger(opts.transactions) || opts.transactions < 0)
    throw new UsageError(`transactions must be a non-negative integer, got ${opts.transactions}`)
  const gateways = opts.gateways && opts.gateways.length > 0 ? [...opts.gateways] : [...GATEWAY_KINDS]
  for (const g of gateways) if (!isGatewayKind(g)) throw new UsageError(`unknown gateway "${g}"`)

  const zeros = new Map<string, Money>()
  const zeroFee = (currency: string): Money => {
    let zero = zeros.get(currency)
    if (!zero) zeros.set(currency, (zero = {minor: 0, currency}))
    return zero
  }
  const root = createRng(opts.seed)
  const customers = makeCustomers(root.fork('customers'), opts.customers)
  const siteById = new Map(SANDBOX_SITES.map((s) => [s.id, s]))

  const rng = root.fork('payments')
  const n = opts.transactions
  const span = endMs - startMs
  // Creation times first, sorted, so payment keys follow time order.
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) times[i] = startMs + Math.floor(rng.next() * span)
  times.sort()

  const pWidth = keyWidth(n)
  const iWidth = keyWidth(Math.ceil(n * 1.1) + 1)
  const invoices: ScenarioInvoice[] = []
  const payments: ScenarioPayment[] = new Array(n)
  let invoiceSeq = 0
  const newInvoice = (customer: ScenarioCustomer, amount: Money, issuedMs: number): ScenarioInvoice => {
    const issued = Math.max(startMs, issuedMs)
    const terms = customer.segment === 'wholesale' ? 30 * DAY : 14 * DAY
    const invoice: ScenarioInvoice = {
      id: key('inv-', ++invoiceSeq, iWidth),
      site: customer.site,
      customer: customer.id,
      amount,
      issuedAt: iso(issued),
      dueAt: iso(issued + terms),
    }
    invoices.push(invoice)
    return invoice
  }

  for (let i = 0; i < n; i++) {
    const created = times[i]!
    const customerIndex = rng.int(0, customers.length - 1)
    const customer = customers[customerIndex]!
    const site = siteById.get(customer.site)!
    const profile = PROFILES[site.currency]!
    const currency = site.currency
    const money = (minor: number): Money => ({minor, currency})
    const amountMinor = drawAmount(rng, profile, SEGMENT_FACTOR[customer.segment as (typeof SEGMENTS)[number]] ?? 1)
    const amount = money(amountMinor)
    const pkey = key('p', i + 1, pWidth)
    const room = endMs - created

    let outcome: ScenarioPayment['outcome'] = 'succeeded'
    let decline: DeclineReason | null = null
    let settled: number | null = null
    const roll = rng.next()
    if (roll < 0.08) {
      outcome = 'failed'
      decline = rng.chance(0.7) ? rng.pick(SOFT) : rng.pick(HARD)
      // A few are bank debits that bounce later, so payment.failed happens as its own event.
      if (rng.chance(0.12) && room > 2 * HOUR) settled = created + rng.int(HOUR, Math.min(3 * DAY, room))
    } else if (roll < 0.13 && room > 2 * HOUR) {
      settled = created + rng.int(HOUR, Math.min(3 * DAY, room))
    }
    const settledMs = settled ?? created

    const refunds: ScenarioRefund[] = []
    let dispute: ScenarioDispute | null = null
    if (outcome === 'succeeded') {
      const after = endMs - settledMs
      const extra = rng.next()
      if (extra < 0.1 && after > HOUR) {
        const firstAt = settledMs + rng.int(HOUR, Math.min(10 * DAY, after))
        if (rng.chance(0.55) || amountMinor < 4 * profile.step) {
          refunds.push({key: `r${pkey.slice(1)}-1`, amount, at: iso(firstAt)})
        } else {
          const firstMinor = Math.max(
            profile.step,
            quantize(Math.floor((amountMinor * rng.int(10, 60)) / 100), profile.step),
          )
          refunds.push({key: `r${pkey.slice(1)}-1`, amount: money(firstMinor), at: iso(firstAt)})
          const left = amountMinor - firstMinor
          const secondRoom = endMs - firstAt
          if (rng.chance(0.4) && secondRoom > HOUR && left >= 2 * profile.step) {
            const secondMinor = Math.max(
              profile.step,
              quantize(Math.floor((left * rng.int(10, 90)) / 100), profile.step),
            )
            refunds.push({
              key: `r${pkey.slice(1)}-2`,
              amount: money(secondMinor),
              at: iso(firstAt + rng.int(HOUR, Math.min(7 * DAY, secondRoom))),
            })
          }
        }
      } else if (extra < 0.12 && after > 2 * HOUR) {
        const opened = settledMs + rng.int(HOUR, Math.min(30 * DAY, after - HOUR))
        const closed = opened + rng.int(7 * DAY, 45 * DAY)
        const won = rng.chance(0.45)
        dispute = {
          key: `d${pkey.slice(1)}`,
          amount,
          openedAt: iso(opened),
          closedAt: closed <= endMs ? iso(closed) : null,
          outcome: closed <= endMs ? (won ? 'won' : 'lost') : null,
        }
      }
    }

    // Most payments settle an invoice; some invoices are settled only in part, some overpaid.
    let invoice: string | null = null
    if (rng.chance(0.9)) {
      const kind = rng.next()
      let invoiceMinor = amountMinor
      if (kind < 0.05) invoiceMinor = quantize(Math.floor((amountMinor * rng.int(125, 200)) / 100), profile.step)
      else if (kind < 0.08)
        invoiceMinor = Math.max(profile.step, quantize(Math.floor((amountMinor * rng.int(50, 90)) / 100), profile.step))
      // Sharing the Money object when equal keeps a million-payment world smaller; nobody mutates it.
      invoice = newInvoice(
        customer,
        invoiceMinor === amountMinor ? amount : money(invoiceMinor),
        created - rng.int(0, 14 * DAY),
      ).id
    }

    payments[i] = {
      key: pkey,
      gateway: gateways[customerIndex % gateways.length]!,
      customer: customer.id,
      invoice,
      amount,
      fee: outcome === 'succeeded' ? money(sandboxFee(amountMinor, currency)) : zeroFee(currency),
      createdAt: iso(created),
      settledAt: settled === null ? null : iso(settled),
      outcome,
      decline,
      refunds,
      dispute,
    }
  }

  // Invoices nobody has paid yet.
  const unpaidRng = root.fork('unpaid-invoices')
  const unpaid = Math.round(n * 0.06)
  for (let i = 0; i < unpaid; i++) {
    const customer = customers[unpaidRng.int(0, customers.length - 1)]!
    const profile = PROFILES[siteById.get(customer.site)!.currency]!
    const minor = drawAmount(unpaidRng, profile, SEGMENT_FACTOR[customer.segment as (typeof SEGMENTS)[number]] ?? 1)
    newInvoice(
      customer,
      {minor, currency: siteById.get(customer.site)!.currency},
      startMs + Math.floor(unpaidRng.next() * span),
    )
  }

  return {
    seed: opts.seed,
    start: iso(startMs),
    end: iso(endMs),
    sites: SANDBOX_SITES.map((s) => ({...s})),
    customers,
    invoices,
    payments,
  }
}
