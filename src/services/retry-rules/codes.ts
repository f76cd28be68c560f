import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import type {Decision, FailureBasis} from '../../core/transaction.js'
import {GATEWAY_KINDS, isGatewayKind} from '../../gateways/registry.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, read, write} from '../../store/ops/op.js'
import {type DeclineCodeRow, listDeclineCodes} from '../../store/repos/decline-codes.js'
import {
  type CodeOverride,
  deleteOverride,
  getOverride,
  listOverrides,
  putOverride,
} from '../../store/repos/retry-rules.js'
import {appendAudit} from '../audit.js'
import {refuseUnknownFilterNames} from '../filter-names.js'

/**
 * `retry codes`: the decline and error codes failed payments came with, how each adapter decided them, and the
 * admins' overrides (docs/gateways.md#declines-and-retries). An override replaces the adapter's table for one
 * gateway kind's code; the gateway's own advice and the card-network rules still come first for each payment
 * (src/core/retry/classification.ts), and an unknown outcome is never overridden.
 */
export const DECISIONS: readonly Decision[] = ['retry', 'terminal', 'unknown']

export interface CodeView {
  provider: string
  kind: string
  code: string
  seen: number
  /** How many of those failures no table mapped (terminal, until an override maps the code). */
  unmapped: number
  adapter: {decision: Decision; basis: FailureBasis}
  override: Pick<CodeOverride, 'decision' | 'note' | 'updatedAt' | 'updatedBy'> | null
  /** What a failure with this code and no gateway or network advice is decided as now. */
  effective: Decision
  lastMessage: string
  lastTxnId: string
  firstSeenAt: string
  lastSeenAt: string
}

export interface CodesView {
  codes: CodeView[]
  /** Every override, seen on a failed payment yet or not. */
  overrides: CodeOverride[]
}

export const listRetryCodes = dual(function* listRetryCodes(
  filter: {provider?: string; kind?: string; unmapped?: boolean} = {},
): Ops<CodesView> {
  if (filter.kind !== undefined) requireKind(filter.kind)
  return yield* read(
    (function* () {
      const overrides = yield* listOverrides.ops({kind: filter.kind})
      const byKey = new Map(overrides.map((o) => [`${o.kind}\u0000${o.code}`, o]))
      const rows = (yield* listDeclineCodes.ops(filter)).filter(
        (r) => !filter.unmapped || !byKey.has(`${r.kind}\u0000${r.code}`),
      )
      // A code seen through the provider, whatever its kind or mapping, is history that keeps a removed one filtering.
      if (filter.provider !== undefined)
        yield* refuseUnknownFilterNames.ops(
          rows.length || (yield* listDeclineCodes.ops({provider: filter.provider})).length,
          {provider: filter.provider},
        )
      return {codes: rows.map((r) => codeView(r, byKey.get(`${r.kind}\u0000${r.code}`) ?? null)), overrides}
    })(),
  )
})

function codeView(r: DeclineCodeRow, o: CodeOverride | null): CodeView {
  const adapterDecision: Decision = r.lastBasis === 'unmapped' ? 'terminal' : r.lastDecision
  return {
    provider: r.provider,
    kind: r.kind,
    code: r.code,
    seen: r.seenCount,
    unmapped: r.unmappedCount,
    adapter: {decision: r.lastDecision, basis: r.lastBasis},
    override: o ? {decision: o.decision, note: o.note, updatedAt: o.updatedAt, updatedBy: o.updatedBy} : null,
    effective: o && r.lastDecision !== 'unknown' ? o.decision : adapterDecision,
    lastMessage: r.lastMessage,
    lastTxnId: r.lastTxnId,
    firstSeenAt: r.firstSeenAt,
    lastSeenAt: r.lastSeenAt,
  }
}

export interface OverrideResult {
  kind: string
  code: string
  decision: Decision | null
  previous: Decision | null
  changed: boolean
}

const CODE_MAX = 120

/** Sets an admin's decision for one gateway kind's code (audited); `advice:<value>` overrides a gateway advice. */
export const setCodeOverride = dual(function* setCodeOverride(
  ctx: AppContext,
  o: {kind: string; code: string; decision: string; note?: string},
): Ops<OverrideResult> {
  requireKind(o.kind)
  const code = requireCode(o.code)
  if (!(DECISIONS as readonly string[]).includes(o.decision))
    throw new UsageError(`--decision ${JSON.stringify(o.decision)}: expected ${DECISIONS.join(', ')}`)
  const decision = o.decision as Decision
  const result = yield* write(
    (function* () {
      const previous = yield* getOverride.ops(o.kind, code)
      const changed = previous?.decision !== decision || (previous?.note ?? null) !== (o.note ?? null)
      if (changed) yield* putOverride.ops({kind: o.kind, code, decision, note: o.note ?? null, updatedBy: ctx.actor})
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'retry.code_override',
        subject: `${o.kind}:${code}`,
        outcome: changed ? 'ok' : 'unchanged',
        details: {kind: o.kind, code, decision, previous: previous?.decision ?? null, note: o.note ?? null},
      })
      return {kind: o.kind, code, decision, previous: previous?.decision ?? null, changed}
    })(),
  )
  yield* warnAboutOverride(ctx, o.kind, code, decision)
  return result
})

export const unsetCodeOverride = dual(function* unsetCodeOverride(
  ctx: AppContext,
  kind: string,
  rawCode: string,
): Ops<OverrideResult> {
  requireKind(kind)
  const code = requireCode(rawCode)
  return yield* write(
    (function* () {
      const previous = yield* getOverride.ops(kind, code)
      const changed = yield* deleteOverride.ops(kind, code)
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'retry.code_override_removed',
        subject: `${kind}:${code}`,
        outcome: changed ? 'ok' : 'unchanged',
        details: {kind, code, previous: previous?.decision ?? null},
      })
      return {kind, code, decision: null, previous: previous?.decision ?? null, changed}
    })(),
  )
})

function* warnAboutOverride(ctx: AppContext, kind: string, code: string, decision: Decision): Ops<void> {
  const seen = (yield* listDeclineCodes.ops({kind})).filter((r) => r.code === code)
  if (seen.length === 0)
    ctx.warn(`no failed ${kind} payment has come with ${code} yet: check the spelling against the gateway's codes`)
  if (seen.some((r) => r.lastDecision === 'unknown'))
    ctx.warn(`${kind} ${code} leaves the outcome unknown: it is resolved before any retry, whatever the override says`)
  if (decision === 'retry' && seen.some((r) => r.lastDecision === 'terminal' && r.lastBasis !== 'unmapped'))
    ctx.warn(
      `${kind} maps ${code} to terminal: retrying it may be fined by the card networks (the network rules still apply)`,
    )
}

function requireKind(kind: string): void {
  if (!isGatewayKind(kind)) throw new UsageError(`unknown gateway kind "${kind}"`, `known: ${GATEWAY_KINDS.join(', ')}`)
}

function requireCode(code: string): string {
  const trimmed = code.trim()
  if (trimmed === '' || trimmed.length > CODE_MAX || [...trimmed].some((ch) => ch.charCodeAt(0) < 0x20))
    throw new UsageError(
      `code ${JSON.stringify(code)}: expected the gateway's code as it reports it (1–${CODE_MAX} characters)`,
    )
  return trimmed
}
