import type {AppContext} from '../../app/context.js'
import {isGatewayKind} from '../../gateways/registry.js'
import {NormalizedTxnSchema, type QuarantineReason} from '../../core/transaction.js'
import type {Db} from '../../store/db.js'
import {listGrants} from '../../store/repos/grants.js'
import {getProvider} from '../../store/repos/providers.js'
import {listQuarantine} from '../../store/repos/quarantine.js'
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

/**
 * Re-applies open quarantined items once their cause is fixed (a grant, a customer import, a parent payment that
 * arrived later). Each provider's items apply in one transaction, with the same rules as a sync.
 */
export function replayQuarantine(
  db: Db,
  ctx: AppContext,
  opts: {provider?: string; ids?: number[]; reasons?: QuarantineReason[]; quiet?: boolean},
): ReplayResult {
  const items = listQuarantine(db, {status: 'open', provider: opts.provider, ids: opts.ids}).filter(
    (q) => !opts.reasons || opts.reasons.includes(q.reason),
  )
  const result: ReplayResult = {considered: items.length, applied: 0, stillQuarantined: 0, notReplayable: 0}
  if (items.length === 0) return result
  const byProvider = new Map<string, typeof items>()
  for (const q of items) byProvider.set(q.provider, [...(byProvider.get(q.provider) ?? []), q])
  for (const [providerId, group] of byProvider) {
    const provider = getProvider(db, providerId)
    const replayable = group.filter((q) => q.normalizedJson !== null)
    result.notReplayable += group.length - replayable.length
    if (!provider || !isGatewayKind(provider.kind) || replayable.length === 0) {
      if (!provider) result.notReplayable += replayable.length
      continue
    }
    const scope: ApplyScope = {
      provider: providerId,
      kind: provider.kind,
      actor: ctx.actor,
      source: 'replay',
      grants: listGrants(db, providerId),
      latencySince: null,
      customers: new Map(),
    }
    const staged = replayable.map((q) => ({
      txn: NormalizedTxnSchema.parse(JSON.parse(q.normalizedJson!)),
      rawJson: q.rawJson,
    }))
    db.write(() => {
      const counts = applyItems(db, scope, staged, [])
      const applied = counts.inserted + counts.updated + counts.unchanged
      result.applied += applied
      result.stillQuarantined += counts.quarantined
      if (!opts.quiet || applied > 0) {
        appendAudit(db, {
          actor: ctx.actor,
          action: 'quarantine.replay',
          provider: providerId,
          subject: `${replayable.length} items`,
          outcome: 'ok',
          details: {applied, stillQuarantined: counts.quarantined, posted: counts.posted},
        })
      }
    })
  }
  return result
}
