import type {AppContext} from '../../app/context.js'
import {isGatewayKind} from '../../gateways/registry.js'
import {NormalizedTxnSchema, type QuarantineReason} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {type Ops, write} from '../../store/ops/op.js'
import {listGrants} from '../../store/repos/grants.js'
import {getProvider} from '../../store/repos/providers.js'
import {listQuarantine, type QuarantineItem} from '../../store/repos/quarantine.js'
import {appendAudit} from '../audit.js'
import {applyItems} from './apply.js'
import type {ApplyScope} from './scope.js'

export interface ReplayResult {
  considered: number
  applied: number
  stillQuarantined: number
  /** Items that were never a valid transaction (invalid payload): the next sync re-reads them from the gateway. */
  notReplayable: number
}

export interface ReplayOptions {
  provider?: string
  ids?: number[]
  reasons?: QuarantineReason[]
  quiet?: boolean
}

/**
 * Re-applies open quarantined items once their cause is fixed (a grant, a customer import, a parent payment that
 * arrived later). Each provider's items apply in one transaction, with the same rules as a sync.
 * `replayQuarantine(db, …)` opens one per provider, as it always did; `.ops` in a caller's transaction runs each
 * provider's as a savepoint of it (the sync's end-of-run replay of its one provider). replayQuarantineIn is the
 * same through a handle, one transaction per provider.
 */
export const replayQuarantine = dual(function* replayQuarantine(ctx: AppContext, opts: ReplayOptions) {
  const items = yield* openItems(opts)
  const result = emptyResult(items)
  for (const [providerId, group] of byProvider(items))
    addResult(result, yield* write(replayGroup(ctx.actor, providerId, group, opts.quiet ?? false)))
  return result
})

export async function replayQuarantineIn(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: ReplayOptions,
): Promise<ReplayResult> {
  const items = await ledger.read(openItems(opts))
  const result = emptyResult(items)
  for (const [providerId, group] of byProvider(items))
    addResult(result, await ledger.write(replayGroup(ctx.actor, providerId, group, opts.quiet ?? false)))
  return result
}

function* openItems(opts: ReplayOptions): Ops<QuarantineItem[]> {
  const items = yield* listQuarantine.ops({status: 'open', provider: opts.provider, ids: opts.ids})
  return items.filter((q) => !opts.reasons || opts.reasons.includes(q.reason))
}

function emptyResult(items: readonly QuarantineItem[]): ReplayResult {
  return {considered: items.length, applied: 0, stillQuarantined: 0, notReplayable: 0}
}

function byProvider(items: readonly QuarantineItem[]): Map<string, QuarantineItem[]> {
  const groups = new Map<string, QuarantineItem[]>()
  for (const q of items) groups.set(q.provider, [...(groups.get(q.provider) ?? []), q])
  return groups
}

function addResult(result: ReplayResult, part: Omit<ReplayResult, 'considered'>): void {
  result.applied += part.applied
  result.stillQuarantined += part.stillQuarantined
  result.notReplayable += part.notReplayable
}

/** One provider's open items, applied together; nothing is written for a provider that cannot replay them. */
function* replayGroup(
  actor: string,
  providerId: string,
  group: readonly QuarantineItem[],
  quiet: boolean,
): Ops<Omit<ReplayResult, 'considered'>> {
  const provider = yield* getProvider.ops(providerId)
  const replayable = group.filter((q) => q.normalizedJson !== null)
  const part = {applied: 0, stillQuarantined: 0, notReplayable: group.length - replayable.length}
  if (!provider || !isGatewayKind(provider.kind) || replayable.length === 0) {
    if (!provider) part.notReplayable += replayable.length
    return part
  }
  const scope: ApplyScope = {
    provider: providerId,
    kind: provider.kind,
    actor,
    source: 'replay',
    grants: yield* listGrants.ops(providerId),
    latencySince: null,
    customers: new Map(),
  }
  const staged = replayable.map((q) => ({
    txn: NormalizedTxnSchema.parse(JSON.parse(q.normalizedJson!)),
    rawJson: q.rawJson,
  }))
  const counts = yield* applyItems.ops(scope, staged, [])
  const applied = counts.inserted + counts.updated + counts.unchanged
  part.applied = applied
  part.stillQuarantined = counts.quarantined
  if (!quiet || applied > 0) {
    yield* appendAudit.ops({
      actor,
      action: 'quarantine.replay',
      provider: providerId,
      subject: `${replayable.length} items`,
      outcome: 'ok',
      details: {applied, stillQuarantined: counts.quarantined, posted: counts.posted},
    })
  }
  return part
}
