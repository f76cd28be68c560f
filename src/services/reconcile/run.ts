import type {AppContext} from '../../app/context.js'
import {reconcile} from '../../core/reconcile/engine.js'
import {RECONCILE_CLASSES, type ReconcileClass} from '../../core/reconcile/classes.js'
import type {Db} from '../../store/db.js'
import {finishFacts, loadSiteFacts, plainLinks as plainPairLinks} from '../../store/repos/reconcile-facts.js'
import {insertRun, resolvedExceptions} from '../../store/repos/reconcile-runs.js'
import {appendAudit} from '../audit.js'
import {raiseReconcileAlert} from './alert.js'
import {fxConverter} from './fx.js'
import {heldIssues} from './held-issues.js'
import {identityView} from './identity.js'
import {checkLedger} from './ledger-check.js'
import {resolveScope, type ReconcileInput, type RunScope} from './options.js'
import type {ReconcileResult} from './result.js'
import type {Summary} from '../../core/reconcile/summary.js'
import {exceptionsOf, fuzzyMatches, type FoundExceptions} from './views.js'

export interface ReconcileHooks {
  /**
   * Progress (for a progress bar): through the passes over the site's payments and invoices row by row, then the
   * start of matching and of storing.
   */
  onProgress?: (phase: string, done: number, total: number) => void
  /** Hand every pair over one by one instead of tallying plain pairs (tests compare both ways). */
  tallyPlain?: boolean
  /** Also return every payment -> invoice link the run made, plain pairs included (the sandbox truth test). */
  collectLinks?: boolean
}

export interface ReconcileRun {
  result: ReconcileResult
  /** Links the run made (only with hooks.collectLinks): payment id -> invoice ids. */
  links: Array<{transaction: string; invoices: string[]; rule: string}> | null
}

/**
 * Reconciles one site and stores the run and its exceptions. The result carries no time but the run's own (`at`),
 * and everything in it is ordered, so the same ledger, rates and flags give byte-identical JSON.
 */
export async function runReconcile(
  db: Db,
  ctx: AppContext,
  input: ReconcileInput,
  hooks: ReconcileHooks = {},
): Promise<ReconcileRun> {
  const scope = resolveScope(db, input)
  const at = new Date(ctx.now()).toISOString()
  const {facts, identity, plainLinks} = readFacts(db, scope, hooks, at)
  hooks.onProgress?.('matching', 0, 1)
  const {findings, summary} = reconcile(facts, {
    tolerance: scope.tolerance,
    windowDays: scope.windowDays,
    asOf: at,
    convert: fxConverter(db),
  })
  const summaryPart = {
    ...describeScope(scope, at),
    ...tallies(summary),
    matches: fuzzyMatches(facts, findings),
    identity,
  }
  const found = exceptionsOf(facts, findings)
  hooks.onProgress?.('storing', 0, 1)
  const result = store(db, ctx, scope, summaryPart, found)
  return {result, links: hooks.collectLinks ? [...plainLinks, ...linksOf(facts, findings)] : null}
}

/**
 * The site's facts (with the ledger's disagreements and the quarantine's report rows as issues) and the balance
 * identity, from one read snapshot. The identity is taken here, so the per-customer balances it needs are gone
 * before the findings are made (peak memory at a million invoices).
 */
function readFacts(db: Db, scope: RunScope, hooks: ReconcileHooks, at: string) {
  const {facts, sums, check, plainLinks} = db.read(() => {
    const state = loadSiteFacts(db, {
      site: scope.site,
      currency: scope.currency,
      from: scope.from,
      to: scope.to,
      providers: scope.providers.length > 0 ? new Set(scope.providers) : null,
      tallyPlain: hooks.tallyPlain ?? true,
      onProgress: hooks.onProgress,
    })
    const check = checkLedger(db, state)
    heldIssues(db, state)
    const plainLinks = hooks.collectLinks ? plainPairLinks(db, state) : []
    return {facts: finishFacts(db, state), sums: state.sums, check, plainLinks}
  })
  return {facts, plainLinks, identity: identityView(db, sums, check, scope.currency, at.slice(0, 10))}
}

function describeScope(scope: RunScope, at: string) {
  return {
    at,
    site: scope.site,
    currency: scope.currency,
    from: scope.from,
    to: scope.to,
    providers: scope.providers,
    tolerance: scope.tolerance.text,
    windowDays: scope.windowDays,
  }
}

function tallies(summary: Summary) {
  const pick = <T>(f: (c: ReconcileClass) => T) =>
    Object.fromEntries(RECONCILE_CLASSES.map((c) => [c, f(c)])) as Record<ReconcileClass, T>
  return {
    counts: pick((c) => summary.classes[c].findings),
    items: {
      invoices: pick((c) => summary.classes[c].invoices),
      payments: pick((c) => summary.classes[c].payments),
    },
    amounts: pick((c) => ({invoiced: summary.classes[c].invoiced, paid: summary.classes[c].paid})),
    byProvider: summary.providers,
    rules: summary.rules,
  }
}

type SummaryPart = Omit<ReconcileResult, 'runId' | 'exceptions' | 'open'>

/**
 * Stores the run, brings its exceptions up to date and audits it, in one write transaction: an exception resolved
 * earlier stays resolved while its facts are unchanged.
 */
function store(
  db: Db,
  ctx: AppContext,
  scope: RunScope,
  summary: SummaryPart,
  found: FoundExceptions,
): ReconcileResult {
  return db.write(() => {
    const resolved = resolvedExceptions(db, scope.site)
    const exceptions = found.views
    if (resolved.size > 0)
      exceptions.forEach((view, k) => {
        const r = resolved.get(view.id)
        if (r === undefined || r.factsSha256 !== found.records[k]!.factsSha256) return
        view.status = 'resolved'
        view.resolution = {by: r.resolvedBy ?? '', note: r.resolutionNote ?? ''}
      })
    const open = exceptions.filter((e) => e.status === 'open').length
    const runId = insertRun(
      db,
      {
        site: scope.site,
        from: scope.from,
        to: scope.to,
        providers: scope.providers,
        tolerance: scope.tolerance.text,
        windowDays: scope.windowDays,
        actor: ctx.actor,
        at: summary.at,
        summaryJson: JSON.stringify({...summary, open}),
      },
      found.records,
      {exceptions: exceptions.length, open},
    )
    appendAudit(db, {
      actor: ctx.actor,
      action: 'reconcile.run',
      subject: scope.site,
      outcome: open > 0 || !summary.identity.holds ? 'attention' : 'ok',
      details: {
        run: runId,
        counts: summary.counts,
        exceptions: exceptions.length,
        open,
        identity: summary.identity.holds,
      },
    })
    raiseReconcileAlert(db, {
      runId,
      site: scope.site,
      at: summary.at,
      identityHolds: summary.identity.holds,
      exceptions,
    })
    return {runId, ...summary, exceptions, open}
  })
}

function linksOf(
  facts: Parameters<typeof fuzzyMatches>[0],
  findings: Parameters<typeof fuzzyMatches>[1],
): Array<{transaction: string; invoices: string[]; rule: string}> {
  return findings.flatMap((f) =>
    f.links.map((l) => ({
      transaction: facts.payments[l.payment]!.id,
      invoices: l.invoices.map((i) => facts.invoices[i]!.id),
      rule: l.rule,
    })),
  )
}
