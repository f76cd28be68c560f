import {isFuzzy, RECONCILE_CLASSES} from '../../core/reconcile/classes.js'
import {exceptionId, factsDigest} from '../../core/reconcile/exception-key.js'
import type {SiteFacts} from '../../core/reconcile/facts.js'
import type {Finding} from '../../core/reconcile/findings.js'
import type {ExceptionRecord} from '../../store/repos/reconcile-runs.js'
import type {ExceptionView, FuzzyMatch} from './result.js'

/** The exceptions of a run as printed (each open until the store finds it resolved) and as stored, in one order. */
export interface FoundExceptions {
  views: ExceptionView[]
  records: ExceptionRecord[]
}

interface Found {
  view: ExceptionView
  record: ExceptionRecord
}

/**
 * The findings someone has to act on, as exceptions with ids keyed by their cause, in class order then by what they
 * are about. The facts digest covers everything an exception says, so a resolution lapses when any of it changes.
 * Each view is made once, in its printed shape (the store only marks the resolved ones): a run at a million invoices
 * has 50,000 of them.
 */
export function exceptionsOf(facts: SiteFacts, findings: readonly Finding[]): FoundExceptions {
  const byClass = new Map(RECONCILE_CLASSES.map((c) => [c, [] as Found[]]))
  for (const f of findings) if (f.exception) byClass.get(f.class)!.push(exceptionOf(facts, f))
  const bySubject = (a: Found, b: Found) =>
    a.record.subject < b.record.subject ? -1 : a.record.subject > b.record.subject ? 1 : 0
  const views: ExceptionView[] = []
  const records: ExceptionRecord[] = []
  for (const c of RECONCILE_CLASSES)
    for (const {view, record} of byClass.get(c)!.sort(bySubject)) {
      views.push(view)
      records.push(record)
    }
  return {views, records}
}

function exceptionOf(facts: SiteFacts, f: Finding): Found {
  const owned = f.invoices.map((i) => facts.invoices[i]!.id)
  const invoices =
    f.named.invoices.length === 0 ? owned : unique([...owned, ...f.named.invoices.map((i) => facts.invoices[i]!.id)])
  const payments = f.payments.map((p) => facts.payments[p]!.id)
  const transactions =
    f.named.payments.length + f.adjustments.length + f.issues.length === 0
      ? payments
      : unique([
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
  const {expected, actual, note} = f
  // Two literals, not a conditional spread: the printed JSON has `invoice` only when there is one, in this place.
  const view: ExceptionView =
    invoices[0] === undefined
      ? {id, class: f.class, invoices, transactions, expected, actual, note, status: 'open', resolution: null}
      : {
          id,
          class: f.class,
          invoice: invoices[0],
          invoices,
          transactions,
          expected,
          actual,
          note,
          status: 'open',
          resolution: null,
        }
  return {view, record: {id, class: f.class, subject, factsSha256: factsDigest(detailJson), detailJson}}
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
