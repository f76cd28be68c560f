import type {AppContext} from '../../app/context.js'
import {reconcile} from '../../core/reconcile/engine.js'
import {RECONCILE_CLASSES, type ReconcileClass} from '../../core/reconcile/classes.js'
import type {SiteFacts} from '../../core/reconcile/facts.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import type {Ops} from '../../store/ops/op.js'
import {
  type FactScope,
  finishFacts,
  loadSiteFacts,
  plainLinks as plainPairLinks,
} from '../../store/repos/reconcile-facts.js'
import {insertRun, resolvedExceptions} from '../../store/repos/reconcile-runs.js'
import {appendAudit} from '../audit.js'
import {raiseReconcileAlert} from './alert.js'
import {fxConverter, preloadedConverter} from './fx.js'
import {heldIssues} from './held-issues.js'
import {identityView} from './identity.js'
import {checkLedger, type LedgerCheck} from './ledger-check.js'
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
 * and everything in it is ordered, so the same ledger, rates and flags give byte-identical JSON. Two transactions,
 * a read of the facts and a write of the run, with the matching between them: on SQLite the facts are read through
 * its SQL sinks (`ledger.db`), elsewhere through cursors (store/repos/reconcile-facts.ts), to the same findings.
 */
export async function runReconcile(
  ledger: LedgerHandle,
  ctx: AppContext,
  input: ReconcileInput,
  hooks: ReconcileHooks = {},
): Promise<ReconcileRun> {
  const scope = await ledger.read(resolveScope.ops(input))
  const at = new Date(ctx.now()).toISOString()
  const {facts, identity, plainLinks, convert} = await readFacts(ledger, scope, hooks, at)
  hooks.onProgress?.('matching', 0, 1)
  const {findings, summary} = reconcile(facts, {
    tolerance: scope.tolerance,
    windowDays: scope.windowDays,
    asOf: at,
    convert,
  })
  const summaryPart = {
    ...describeScope(scope, at),
    ...tallies(summary),
    matches: fuzzyMatches(facts, findings),
    identity,
  }
  const found = exceptionsOf(facts, findings)
  hooks.onProgress?.('storing', 0, 1)
  const result = await ledger.write(store(ctx, scope, summaryPart, found))
  return {result, links: hooks.collectLinks ? [...plainLinks, ...linksOf(facts, findings)] : null}
}

/**
 * The site's facts (with the ledger's disagreements and the quarantine's report rows as issues) and the balance
 * identity, from one read snapshot. The identity is taken here, so the per-customer balances it needs are gone
 * before the findings are made (peak memory at a million invoices).
 *
 * The matching converts currencies synchronously. On SQLite it looks rates up as it goes, on the Db; elsewhere the
 * rates between the run's currencies are read into the snapshot first (preloadedConverter), as no statement can be
 * answered in the middle of the matching.
 */
async function readFacts(ledger: LedgerHandle, scope: RunScope, hooks: ReconcileHooks, at: string) {
  const db = ledger.db
  const factScope: FactScope = {
    site: scope.site,
    currency: scope.currency,
    from: scope.from,
    to: scope.to,
    providers: scope.providers.length > 0 ? new Set(scope.providers) : null,
    tallyPlain: hooks.tallyPlain ?? true,
    onProgress: hooks.onProgress,
  }
  const {facts, sums, check, plainLinks, preloaded} = await ledger.read(
    (function* () {
      const state = db ? loadSiteFacts(db, factScope) : yield* loadSiteFacts.ops(factScope)
      const check = yield* checkLedger.ops(state)
      yield* heldIssues.ops(state)
      const plainLinks = hooks.collectLinks ? yield* plainPairLinks.ops(state) : []
      const facts = yield* finishFacts.ops(state)
      const preloaded = db ? null : yield* preloadedConverter.ops(currenciesOf(facts, check, scope.currency))
      return {facts, sums: state.sums, check, plainLinks, preloaded}
    })(),
  )
  const date = at.slice(0, 10)
  const identity = await ledger.read(identityView.ops(sums, check, scope.currency, date, preloaded ?? fxConverter(db!)))
  return {facts, plainLinks, identity, convert: preloaded ?? fxConverter(db!)}
}

/** Every currency the matching and the identity may convert from or into. */
function currenciesOf(facts: SiteFacts, check: LedgerCheck, base: string): Set<string> {
  const currencies = new Set([base])
  for (const i of facts.invoices) currencies.add(i.amount.currency)
  for (const p of facts.payments) currencies.add(p.amount.currency)
  for (const a of facts.adjustments) currencies.add(a.amount.currency)
  for (const balances of [check.ledger, check.expected])
    for (const own of balances.values()) for (const currency of own.keys()) currencies.add(currency)
  return currencies
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
function* store(ctx: AppContext, scope: RunScope, summary: SummaryPart, found: FoundExceptions): Ops<ReconcileResult> {
  const resolved = yield* resolvedExceptions.ops(scope.site)
  const exceptions = found.views
  if (resolved.size > 0)
    exceptions.forEach((view, k) => {
      const r = resolved.get(view.id)
      if (r === undefined || r.factsSha256 !== found.records[k]!.factsSha256) return
      view.status = 'resolved'
      view.resolution = {by: r.resolvedBy ?? '', note: r.resolutionNote ?? ''}
    })
  const open = exceptions.filter((e) => e.status === 'open').length
  const runId = yield* insertRun.ops(
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
  yield* appendAudit.ops({
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
  yield* raiseReconcileAlert.ops({
    runId,
    site: scope.site,
    at: summary.at,
    identityHolds: summary.identity.holds,
    exceptions,
  })
  return {runId, ...summary, exceptions, open}
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
