import type {Context} from './context.js'
import type {LedgerIssue} from './facts.js'
import {finding, type Finding} from './findings.js'
import type {Group} from './groups.js'
import {adjustmentWords, capitalised, invoiceWords, listWords, money, paymentWords, sentences} from './words.js'

/** A group whose payments, refunds, disputes or invoices the ledger disagrees about: its figures cannot be trusted. */
export function statusMismatch(group: Group, issues: readonly LedgerIssue[], ctx: Context): Finding {
  const {facts} = ctx
  const about = [
    ...group.invoices.map((i) => invoiceWords(facts.invoices[i]!)),
    ...group.payments.map((p) => paymentWords(facts.payments[p]!)),
  ]
  const single = issues.length === 1 && issues[0]!.kind === 'posting' ? issues[0]! : null
  return finding('status_mismatch', {
    invoices: group.invoices,
    payments: group.payments,
    adjustments: group.payments.flatMap((p) => ctx.adjustmentsOf[p] ?? []),
    links: group.links,
    issues: [...issues],
    expected: single?.expected ?? null,
    actual: single?.posted ?? null,
    note: () =>
      sentences(
        ...issues.map(issueWords),
        about.length > 0 && `Affects ${listWords(about)}: reconcile again once the ledger agrees`,
      ),
    exception: true,
  })
}

/** An issue about no payment or invoice the run handed over (e.g. a quarantined refund of an unknown payment). */
export function standaloneIssue(issue: LedgerIssue): Finding {
  return finding('status_mismatch', {
    issues: [issue],
    expected: issue.expected,
    actual: issue.posted,
    note: () => sentences(issueWords(issue)),
    exception: true,
  })
}

/** A refund or dispute whose payment the ledger does not hold as a succeeded payment of this site. */
export function orphanAdjustment(a: number, ctx: Context): Finding {
  const adjustment = ctx.facts.adjustments[a]!
  return finding('status_mismatch', {
    adjustments: [a],
    note: () =>
      sentences(
        `${capitalised(adjustmentWords(adjustment))} (${adjustment.occurredAt.slice(0, 10)}) is for payment ${adjustment.parent}, which the ledger does not hold as a succeeded payment of site ${ctx.facts.site}`,
        'The gateway reports a change to money the ledger never received',
      ),
    exception: true,
  })
}

export function issueWords(issue: LedgerIssue): string {
  if (issue.kind === 'quarantined')
    return `The gateway reported ${issue.reported}, but it is held in quarantine (${issue.held ?? 'unknown reason'}), so the ledger lacks it`
  const whose = issue.customer ? `customer ${issue.customer}'s account` : 'the customer account'
  return `The ledger holds ${issue.posted ? money(issue.posted) : 'nothing'} on ${whose} for ${issue.object}, but ${issue.reported}, so it should hold ${issue.expected ? money(issue.expected) : 'nothing'}`
}
