import {isFuzzy, RECONCILE_CLASSES} from '../../core/reconcile/classes.js'
import {exceptionId, factsDigest} from '../../core/reconcile/exception-key.js'
import type {SiteFacts} from '../../core/reconcile/facts.js'
import type {Finding} from '../../core/reconcile/findings.js'
import type {ExceptionRecord} from '../../store/repos/reconcile-runs.js'
import type {ExceptionView, FuzzyMatch} from './result.js'

export type FoundException = Omit<ExceptionView, 'status' | 'resolution'> & {record: ExceptionRecord}

/**
 * The findings someone has to act on, as exceptions with ids keyed by their cause, in class order then by what they
 * are about. The facts digest covers everything an exception says, so a resolution lapses when any of it changes.
 */
export function exceptionsOf(facts: SiteFacts, findings: readonly Finding[]): FoundException[] {
  const byClass = new Map(RECONCILE_CLASSES.map((c) => [c, [] as FoundException[]]))
  for (const f of findings) {
    if (!f.exception) continue
    const owned = f.invoices.map((i) => facts.invoices[i]!.id)
    const invoices = unique([...owned, ...f.named.invoices.map((i) => facts.invoices[i]!.id)])
    const payments = f.payments.map((p) => facts.payments[p]!.id)
    const transactions = unique([
      ...payments,
      ...f.named.payments.map((p) => facts.payments[p]!.id),
      ...f.adjustments.map((a) => facts.adjustments[a]!.id),
      ...f.issues.map((issue) => issue.object).filter((o) => !o.startsWith('invoice:')),
    ])
    const subject =
      owned.length > 0
        ? `invoice:${owned.join(',')}`
        : `txn:${payments[0] ?? transactions[0] ?? f.issues[0]?.object ?? ''}`
    const detailJson = JSON.stringify({
      class: f.class,
      invoices,
      transactions,
      expected: f.expected,
      actual: f.actual,
      note: f.note,
    })
    const id = exceptionId(facts.site, f.class, subject)
    byClass.get(f.class)!.push({
      id,
      class: f.class,
      ...(invoices[0] === undefined ? {} : {invoice: invoices[0]}),
      invoices,
      transactions,
      expected: f.expected,
      actual: f.actual,
      note: f.note,
      record: {id, class: f.class, subject, factsSha256: factsDigest(detailJson), detailJson},
    })
  }
  const bySubject = (a: FoundException, b: FoundException) =>
    a.record.subject < b.record.subject ? -1 : a.record.subject > b.record.subject ? 1 : 0
  return RECONCILE_CLASSES.flatMap((c) => byClass.get(c)!.sort(bySubject))
}

/** Matches made by a fuzzy rule, in the order of their findings. */
export function fuzzyMatches(facts: SiteFacts, findings: readonly Finding[]): FuzzyMatch[] {
  return findings.flatMap((f) =>
    f.links
      .filter((l) => isFuzzy(l.rule))
      .map((l) => ({
        rule: l.rule,
        invoices: l.invoices.map((i) => facts.invoices[i]!.id),
        transactions: [facts.payments[l.payment]!.id],
        why: l.why ?? '',
        fx: l.fx,
      })),
  )
}

function unique(items: string[]): string[] {
  return items.length < 2 ? items : [...new Set(items)]
}
