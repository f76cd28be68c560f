import {paymentStateAt, paymentsFor, type Scenario} from '../../../src/sandbox/model.js'
import type {Db} from '../../../src/store/db.js'

/**
 * What the ledger must say at time `at`, computed from the scenario alone (not from src/core/ledger.ts): invoices
 * debit the customer; a succeeded payment credits the customer, clearing gets amount - fee, fees get the fee; a
 * refund, or a dispute that is open or lost, moves the amount back from clearing to the customer.
 * `customers` limits everything to those imported; `payers` limits only whose payments reached the ledger.
 * Keys are "account|currency"; zero sums are dropped.
 */
export function expectedAccounts(
  scenario: Scenario,
  provider: string,
  at: string,
  opts: {invoices?: boolean; customers?: Set<string>; payers?: Set<string>} = {},
): Record<string, number> {
  const out = new Map<string, number>()
  const add = (account: string, currency: string, minor: number) => {
    const k = `${account}|${currency}`
    out.set(k, (out.get(k) ?? 0) + minor)
  }
  const included = (customer: string) => !opts.customers || opts.customers.has(customer)
  if (opts.invoices !== false) {
    for (const inv of scenario.invoices) {
      if (!included(inv.customer)) continue
      add(`customer:${inv.customer}`, inv.amount.currency, inv.amount.minor)
      add(`revenue:${inv.site}`, inv.amount.currency, -inv.amount.minor)
    }
  }
  for (const p of paymentsFor(scenario, 'stripe', 'own')) {
    if (!included(p.customer) || (opts.payers && !opts.payers.has(p.customer))) continue
    const s = paymentStateAt(p, at)
    if (!s.visible || s.status !== 'succeeded') continue
    const cur = p.amount.currency
    add(`customer:${p.customer}`, cur, -p.amount.minor)
    add(`clearing:${provider}`, cur, p.amount.minor - p.fee.minor)
    if (p.fee.minor !== 0) add(`fees:${provider}`, p.fee.currency, p.fee.minor)
    const back = s.refundedMinor + (s.dispute && s.dispute.state !== 'won' ? s.dispute.dispute.amount.minor : 0)
    add(`customer:${p.customer}`, cur, back)
    add(`clearing:${provider}`, cur, -back)
  }
  return Object.fromEntries([...out].filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : 1)))
}

export function actualAccounts(db: Db): Record<string, number> {
  const rows = db.raw
    .prepare(
      'SELECT account, currency, SUM(amount_minor) AS minor FROM ledger_postings GROUP BY account, currency HAVING minor != 0 ORDER BY account, currency',
    )
    .all() as Array<{account: string; currency: string; minor: number}>
  return Object.fromEntries(rows.map((r) => [`${r.account}|${r.currency}`, r.minor]))
}
