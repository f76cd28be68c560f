import {invoicePositions, targetPositions} from '../../../src/core/ledger.js'
import type {Money, NormalizedTxn} from '../../../src/core/transaction.js'
import {openDatabase} from '../../../src/store/db.js'

/**
 * The bench's ledger, written straight into SQLite (a sync of a million payments would take the bench's whole
 * budget): one site, `invoices` invoices, about 1.1 transactions per invoice, postings by the ledger's own rules
 * (core/ledger.ts) so its balances are what a sync would leave. Invoice i's slot (i mod 200) decides its story:
 *   0-9   exceptions, one class each: partially paid, overpaid, paid in USD 10% short (amount mismatch), paid in GBP
 *         with no rate (currency mismatch), unpaid, a stray payment naming no invoice we know, a duplicate payment,
 *         a lost dispute the ledger lacks, a dispute held in quarantine, refunded in full (unpaid): 5% of invoices
 *   10-13 matched, but not plainly: two payments, paid in USD at the day's rate, a payment naming nothing that only
 *         this invoice fits, a dispute won
 *   14-28 a failed attempt before the payment
 *   else  one payment naming it, the same amount (plain)
 *
 *   npx tsx test/bench/reconcile/world.ts <invoices> <file>
 */
const [invoicesArg, file] = process.argv.slice(2)
const N = Number(invoicesArg)
if (!Number.isSafeInteger(N) || N < 200 || !file) throw new Error('usage: world.ts <invoices> <file>')

export const SITE = 'bench'
export const AT = '2027-01-01T00:00:00.000Z'
const PROVIDERS = ['bench-stripe', 'bench-adyen']
const CUSTOMERS = Math.max(10, Math.floor(N / 10))
const DAY = 86_400_000
const START = Date.parse('2026-01-01T00:00:00.000Z')

let seed = 0x2f6b1c3d
const random = (): number => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pad = (n: number, w: number) => String(n).padStart(w, '0')
const customerOf = (i: number) => `c${pad(i % CUSTOMERS, 7)}`
const invoiceId = (i: number) => `inv-${pad(i, 8)}`
const iso = (ms: number) => new Date(ms).toISOString()

const db = openDatabase(file, {clock: () => Date.parse(AT)})
const raw = db.raw
const t0 = Date.now()
raw.exec(`INSERT INTO sites VALUES ('${SITE}', 'Bench', 'EUR', 'DE', 'Europe/Berlin', '${AT}', '${AT}')`)
raw.exec(`INSERT INTO fx_rates VALUES ('EUR', 'USD', '2025-12-01', '1.1000', 'bench', '${AT}')`)
for (const p of PROVIDERS)
  raw.exec(`INSERT INTO providers (id, kind, created_at, updated_at) VALUES ('${p}', 'stripe', '${AT}', '${AT}')`)

const insertCustomer = raw.prepare(
  `INSERT INTO customers VALUES (?, '${SITE}', 'retail', NULL, NULL, '${AT}', '${AT}')`,
)
const insertRef = raw.prepare(`INSERT INTO customer_refs VALUES (?, 'stripe', ?)`)
const insertInvoice =
  raw.prepare(`INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, due_at, created_at, updated_at)
  VALUES (?, '${SITE}', ?, ?, 'EUR', ?, ?, '${AT}', '${AT}')`)
const insertTxn = raw.prepare(
  `INSERT INTO transactions (id, provider, kind, external_id, parent_external_id, type, status, amount_minor, currency,
     customer_id, site_id, customer_ref, invoice_ref, occurred_at, updated_at, version, raw_json, first_seen_at, last_seen_at)
   VALUES (?, ?, 'stripe', ?, ?, ?, ?, ?, ?, ?, '${SITE}', ?, ?, ?, ?, 1, '{}', '${AT}', '${AT}')`,
)
const insertPosting = raw.prepare(
  `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
   VALUES (?, ?, 1, ?, ?, ?, ?, '${SITE}', ?, '${AT}')`,
)
const insertQuarantine = raw.prepare(
  `INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, normalized_json, source, created_at, updated_at)
   VALUES (?, ?, 'access_denied', 'bench: no grant', '{}', ?, 'pull', '${AT}', '${AT}')`,
)

let txnNo = 0
interface TxnSpec {
  type?: NormalizedTxn['type']
  status?: NormalizedTxn['status']
  amount: Money
  customer: string
  invoice: string | null
  parent?: string | null
  at: number
  provider: string
  /** Write the transaction but not its postings (a ledger that lacks what the gateway reported). */
  unposted?: boolean
}
function txn(spec: TxnSpec): string {
  const externalId = `tx_${pad(++txnNo, 9)}`
  const id = `${spec.provider}:${externalId}`
  const type = spec.type ?? 'payment'
  const status = spec.status ?? 'succeeded'
  const at = iso(spec.at)
  const seq = Number(
    insertTxn.run(
      id,
      spec.provider,
      externalId,
      spec.parent ?? null,
      type,
      status,
      spec.amount.minor,
      spec.amount.currency,
      spec.customer,
      type === 'payment' ? `cus_${spec.customer}` : null,
      spec.invoice,
      at,
      at,
    ).lastInsertRowid,
  )
  if (!spec.unposted)
    for (const l of targetPositions(
      {type, status, amount: spec.amount, fee: null, provider: spec.provider},
      spec.customer,
    ))
      insertPosting.run(seq, id, l.account, l.minor, l.currency, spec.provider, spec.customer)
  return externalId
}

raw
  .transaction(() => {
    for (let c = 0; c < CUSTOMERS; c++) {
      insertCustomer.run(customerOf(c))
      insertRef.run(customerOf(c), `cus_${customerOf(c)}`)
    }
  })
  .immediate()

const BATCH = 50_000
for (let from = 0; from < N; from += BATCH) {
  raw
    .transaction(() => {
      for (let i = from; i < Math.min(N, from + BATCH); i++) writeInvoice(i)
    })
    .immediate()
  process.stderr.write(
    `\r  world: ${Math.min(N, from + BATCH)} of ${N} invoices (${Math.round((Date.now() - t0) / 1000)} s)`,
  )
}
process.stderr.write('\n')

function writeInvoice(i: number): void {
  const slot = i % 200
  const customer = customerOf(i)
  const provider = PROVIDERS[i % 2]!
  const issued = START + Math.floor((i / N) * 330 * DAY)
  const due = issued + 14 * DAY
  // 5.00 to 1000.00 EUR at random: one customer's invoices rarely fall within 0.5% of each other
  const minor = 500 + Math.floor(random() * 99_500)
  const eur = (m: number): Money => ({minor: m, currency: 'EUR'})
  insertInvoice.run(invoiceId(i), customer, minor, iso(issued), iso(due))
  for (const l of invoicePositions({customer, site: SITE, amount: eur(minor)}))
    insertPosting.run(null, `invoice:${invoiceId(i)}`, l.account, l.minor, l.currency, null, customer)
  const paidAt = issued + Math.floor(random() * 10 * DAY) + DAY
  const pay = (amount: Money, extra: Partial<TxnSpec> = {}) =>
    txn({amount, customer, invoice: invoiceId(i), at: paidAt, provider, ...extra})
  switch (slot) {
    case 0:
      return void pay(eur(Math.floor(minor * 0.6)))
    case 1:
      return void pay(eur(Math.floor(minor * 1.3)))
    case 2:
      return void pay({minor: Math.floor(minor * 0.99), currency: 'USD'})
    case 3:
      return void pay({minor, currency: 'GBP'})
    case 4:
      return
    case 5:
      pay(eur(minor))
      return void txn({amount: eur(minor + 1), customer, invoice: `inv-unknown-${i}`, at: paidAt, provider})
    case 6:
      pay(eur(minor))
      return void pay(eur(minor), {at: paidAt + 60_000})
    case 7: {
      const parent = pay(eur(minor))
      return void txn({
        type: 'dispute',
        status: 'lost',
        amount: eur(minor),
        customer,
        invoice: null,
        parent,
        at: paidAt + 3 * DAY,
        provider,
        unposted: true,
      })
    }
    case 8: {
      const parent = pay(eur(minor))
      const held = {
        type: 'dispute',
        status: 'lost',
        amount: eur(minor),
        parentExternalId: parent,
        customerRef: null,
        invoiceRef: null,
      }
      return void insertQuarantine.run(
        provider,
        `dp_${i}`,
        JSON.stringify({...held, kind: 'stripe', provider, id: `${provider}:dp_${i}`}),
      )
    }
    case 9: {
      const parent = pay(eur(minor))
      return void txn({type: 'refund', amount: eur(minor), customer, invoice: null, parent, at: paidAt + DAY, provider})
    }
    case 10:
      pay(eur(Math.floor(minor * 0.4)))
      return void pay(eur(minor - Math.floor(minor * 0.4)), {at: paidAt + DAY})
    case 11:
      return void pay({minor: Math.floor((minor * 11 + 5) / 10), currency: 'USD'})
    case 12:
      return void pay(eur(minor), {invoice: null})
    case 13: {
      const parent = pay(eur(minor))
      return void txn({
        type: 'dispute',
        status: 'won',
        amount: eur(minor),
        customer,
        invoice: null,
        parent,
        at: paidAt + 2 * DAY,
        provider,
      })
    }
    default:
      if (slot <= 28) pay(eur(minor), {status: 'failed', at: paidAt - DAY})
      return void pay(eur(minor))
  }
}

const counts = raw
  .prepare(
    `SELECT (SELECT count(*) FROM invoices) AS invoices, (SELECT count(*) FROM transactions) AS transactions,
    (SELECT count(*) FROM ledger_postings) AS postings, (SELECT count(*) FROM quarantine) AS quarantined`,
  )
  .get()
db.close()
process.stdout.write(`${JSON.stringify({...(counts as object), seconds: Math.round((Date.now() - t0) / 1000)})}\n`)
