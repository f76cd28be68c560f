import {customerEffect} from './effect.js'
import type {SiteFacts} from './facts.js'

/**
 * The balance identity: per site and currency, what the site's customers owe by the ledger equals the invoices
 * minus the payments plus the refunds and the disputes that took money back (open or lost; a won dispute restores
 * it), exactly to the minor unit. Both sides come from different tables: the ledger's running balances on one
 * side, the invoices and the gateways' last reported states on the other.
 */
export interface GatewaySums {
  invoices: number
  payments: number
  refunds: number
  disputes: number
}

export interface IdentityLine extends GatewaySums {
  currency: string
  /** invoices - payments + refunds + disputes */
  expected: number
  /** The sum of the site's customer balances in the ledger. */
  ledger: number
  /** ledger - expected: zero when the identity holds. */
  difference: number
}

export function identityLines(
  sums: ReadonlyMap<string, GatewaySums>,
  ledger: ReadonlyMap<string, number>,
): IdentityLine[] {
  const currencies = [...new Set([...sums.keys(), ...ledger.keys()])].sort()
  return currencies.map((currency) => {
    const s = sums.get(currency) ?? {invoices: 0, payments: 0, refunds: 0, disputes: 0}
    const expected = s.invoices - s.payments + s.refunds + s.disputes
    const held = ledger.get(currency) ?? 0
    return {currency, ...s, expected, ledger: held, difference: held - expected}
  })
}

/** customer -> currency -> minor units. */
export type Balances = Map<string, Map<string, number>>

export function addBalance(balances: Balances, customer: string, currency: string, minor: number): void {
  if (minor === 0) return
  let own = balances.get(customer)
  if (!own) balances.set(customer, (own = new Map()))
  own.set(currency, (own.get(currency) ?? 0) + minor)
}

/**
 * Each customer's balance as the invoices and the gateways' reports say it should be, from the objects handed over
 * one by one. A plain pair (facts.ts) adds its invoice and takes its equal payment away: nothing, so leaving the
 * tallied pairs out changes no customer's figure.
 */
export function expectedBalances(facts: SiteFacts): Balances {
  const balances: Balances = new Map()
  for (const i of facts.invoices) addBalance(balances, i.customer, i.amount.currency, i.amount.minor)
  for (const p of facts.payments) addBalance(balances, p.customer, p.amount.currency, 0 - p.amount.minor)
  for (const a of facts.adjustments) addBalance(balances, a.customer, a.amount.currency, customerEffect(a))
  return balances
}

/** Customers whose ledger balance differs from the expected one in some currency, sorted. */
export function customersThatDisagree(expected: Balances, ledger: Balances): string[] {
  const differ = (a: Map<string, number> | undefined, b: Map<string, number> | undefined): boolean => {
    for (const [currency, minor] of a ?? []) if ((b?.get(currency) ?? 0) !== minor) return true
    for (const [currency, minor] of b ?? []) if ((a?.get(currency) ?? 0) !== minor) return true
    return false
  }
  const out: string[] = []
  for (const customer of new Set([...expected.keys(), ...ledger.keys()]))
    if (differ(expected.get(customer), ledger.get(customer))) out.push(customer)
  return out.sort()
}
