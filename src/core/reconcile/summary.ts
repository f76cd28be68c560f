import type {Money} from '../transaction.js'
import {MATCH_RULES, RECONCILE_CLASSES, type MatchRule, type ReconcileClass} from './classes.js'
import type {Context} from './context.js'
import type {Finding} from './findings.js'
import {netOf} from './paid.js'

/** Per class: findings, the invoices and payments they own, and the amounts (payments net of refunds and disputes). */
export interface ClassTotals {
  findings: number
  exceptions: number
  invoices: number
  payments: number
  invoiced: Money[]
  paid: Money[]
}

export interface ProviderTotals {
  provider: string
  /** Payments per class and what they paid (net), only the classes it has. */
  classes: Array<{class: ReconcileClass; payments: number; paid: Money[]}>
}

export interface Summary {
  classes: Record<ReconcileClass, ClassTotals>
  providers: ProviderTotals[]
  /** Links per rule, and how many payments were converted from another currency. */
  rules: Record<MatchRule, number> & {converted: number}
}

type Sums = Map<string, number>
const add = (sums: Sums, m: Money) => sums.set(m.currency, (sums.get(m.currency) ?? 0) + m.minor)
const toMoney = (sums: Sums): Money[] =>
  [...sums.keys()].sort().map((currency) => ({minor: sums.get(currency)!, currency}))

/** Totals over the findings, plus the plain pairs the store tallied (matched by reference, one payment each). */
export function summarize(findings: readonly Finding[], ctx: Context): Summary {
  const {facts} = ctx
  const acc = new Map(
    RECONCILE_CLASSES.map((c) => [
      c,
      {findings: 0, exceptions: 0, invoices: 0, payments: 0, invoiced: new Map(), paid: new Map()},
    ]),
  ) as Map<
    ReconcileClass,
    {findings: number; exceptions: number; invoices: number; payments: number; invoiced: Sums; paid: Sums}
  >
  const providers = new Map<string, Map<ReconcileClass, {payments: number; paid: Sums}>>()
  const byProvider = (provider: string, cls: ReconcileClass) => {
    let classes = providers.get(provider)
    if (!classes) providers.set(provider, (classes = new Map()))
    let entry = classes.get(cls)
    if (!entry) classes.set(cls, (entry = {payments: 0, paid: new Map()}))
    return entry
  }
  const rules = {...(Object.fromEntries(MATCH_RULES.map((r) => [r, 0])) as Record<MatchRule, number>), converted: 0}
  for (const f of findings) {
    const a = acc.get(f.class)!
    a.findings++
    if (f.exception) a.exceptions++
    a.invoices += f.invoices.length
    a.payments += f.payments.length
    for (const i of f.invoices) add(a.invoiced, facts.invoices[i]!.amount)
    for (const p of f.payments) {
      const net = netOf(p, ctx)
      add(a.paid, net)
      const entry = byProvider(facts.payments[p]!.provider, f.class)
      entry.payments++
      add(entry.paid, net)
    }
    for (const link of f.links) {
      rules[link.rule]++
      if (link.fx) rules.converted++
    }
  }
  const matched = acc.get('matched')!
  for (const [provider, currencies] of facts.plain) {
    for (const [currency, {pairs, minor}] of currencies) {
      matched.findings += pairs
      matched.invoices += pairs
      matched.payments += pairs
      add(matched.invoiced, {minor, currency})
      add(matched.paid, {minor, currency})
      const entry = byProvider(provider, 'matched')
      entry.payments += pairs
      add(entry.paid, {minor, currency})
      rules.reference += pairs
    }
  }
  const classes = Object.fromEntries(
    RECONCILE_CLASSES.map((c) => {
      const a = acc.get(c)!
      return [c, {...a, invoiced: toMoney(a.invoiced), paid: toMoney(a.paid)}]
    }),
  ) as Record<ReconcileClass, ClassTotals>
  return {
    classes,
    providers: [...providers.keys()].sort().map((provider) => ({
      provider,
      classes: RECONCILE_CLASSES.flatMap((c) => {
        const entry = providers.get(provider)!.get(c)
        return entry ? [{class: c, payments: entry.payments, paid: toMoney(entry.paid)}] : []
      }),
    })),
    rules,
  }
}
