import {createContext, type Context, type EngineOptions} from './context.js'
import {splitDuplicates} from './duplicates.js'
import type {SiteFacts} from './facts.js'
import type {Finding} from './findings.js'
import {groupLinks, type Group, type Link} from './groups.js'
import {invoiceFinding} from './invoice-finding.js'
import {lonePayment} from './lone-payment.js'
import {referenceLinks} from './reference-links.js'
import {matchByRule} from './rule-match.js'
import {orphanAdjustment, standaloneIssue, statusMismatch} from './status-findings.js'
import {summarize, type Summary} from './summary.js'
import {ruleWhy} from './why.js'

export type {EngineOptions} from './context.js'

export interface Reconciliation {
  /** The findings of the run's scope, in a stable order: groups by their first invoice or payment, then the rest. */
  findings: Finding[]
  summary: Summary
}

/**
 * Reconciles one site: links by reference, then by rule for what no reference ties, then one class per group of
 * linked invoices and payments. Pure: the same facts and options give the same findings in the same order.
 */
export function reconcile(facts: SiteFacts, opts: EngineOptions): Reconciliation {
  const ctx = createContext(facts, opts)
  const links = [...referenceLinks(ctx)]
  links.push(...linksByRule(ctx, new Set(links.flatMap((l) => l.invoices))))
  const findings: Finding[] = []
  for (const group of groupLinks(facts.invoices.length, facts.payments.length, links)) {
    if (inScope(group, ctx)) classifyGroup(group, ctx, findings)
  }
  facts.adjustments.forEach((a, index) => {
    if (a.payment < 0 && a.inScope) findings.push(orphanAdjustment(index, ctx))
  })
  for (const issue of facts.issues)
    if (issue.payment < 0 && issue.invoice < 0 && issue.inScope) findings.push(standaloneIssue(issue))
  return {findings, summary: summarize(findings, ctx)}
}

/**
 * Per customer: its unreferenced payments of the run against its invoices that nothing names (neither a payment nor
 * a failed or pending attempt at one).
 */
function linksByRule(ctx: Context, referenced: ReadonlySet<number>): Link[] {
  const {facts} = ctx
  const open = new Map<string, number[]>()
  facts.invoices.forEach((invoice, i) => {
    if (invoice.inPeriod && !referenced.has(i) && invoice.attempts.length === 0) listFor(open, invoice.customer).push(i)
  })
  const unreferenced = new Map<string, number[]>()
  facts.payments.forEach((p, index) => {
    if (p.invoiceRef === null && p.selected && p.inPeriod) listFor(unreferenced, p.customer).push(index)
  })
  const links: Link[] = []
  for (const [customer, payments] of unreferenced) {
    const {matches, misses} = matchByRule(ctx, payments, open.get(customer) ?? [])
    for (const m of matches)
      links.push({
        payment: m.payment,
        invoices: m.candidate.invoices,
        rule: m.candidate.rule,
        why: ruleWhy(m, ctx),
        fx: m.candidate.fx,
      })
    for (const miss of misses) ctx.misses.set(miss.payment, miss)
  }
  return links
}

function listFor(map: Map<string, number[]>, key: string): number[] {
  let list = map.get(key)
  if (!list) map.set(key, (list = []))
  return list
}

/** A group belongs to the run when one of its invoices was issued in the period (and, with --provider, one of its
 * payments is the providers'), or, without invoices, when its payment is a selected one of the period. */
function inScope(group: Group, ctx: Context): boolean {
  const {facts} = ctx
  const selected = group.payments.some((p) => facts.payments[p]!.selected)
  if (group.invoices.length > 0)
    return group.invoices.some((i) => facts.invoices[i]!.inPeriod) && (group.payments.length === 0 || selected)
  return group.payments.some((p) => facts.payments[p]!.selected && facts.payments[p]!.inPeriod)
}

/** Adds the group's finding (and its duplicates' findings) to `out`. */
function classifyGroup(group: Group, ctx: Context, out: Finding[]): void {
  if (hasIssues(group, ctx)) {
    const issues = [
      ...group.payments.flatMap((p) => ctx.paymentIssues.get(p) ?? []),
      ...group.invoices.flatMap((i) => ctx.invoiceIssues.get(i) ?? []),
    ]
    out.push(statusMismatch(group, issues, ctx))
    return
  }
  if (group.invoices.length === 0) out.push(lonePayment(group, ctx))
  else if (group.invoices.length > 1 || group.payments.length < 2) out.push(invoiceFinding(group, ctx))
  else {
    const {duplicates, rest} = splitDuplicates(group, ctx)
    if (duplicates.length === 0) out.push(invoiceFinding(group, ctx))
    else {
      const links = group.links.filter((l) => rest.includes(l.payment))
      out.push(invoiceFinding({...group, payments: rest, links}, ctx), ...duplicates)
    }
  }
}

/** Whether the ledger disagrees about one of the group's payments or invoices (asked without building a list). */
function hasIssues(group: Group, ctx: Context): boolean {
  if (ctx.paymentIssues.size > 0) for (const p of group.payments) if (ctx.paymentIssues.has(p)) return true
  if (ctx.invoiceIssues.size > 0) for (const i of group.invoices) if (ctx.invoiceIssues.has(i)) return true
  return false
}
