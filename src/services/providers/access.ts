import type {AppContext} from '../../app/context.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, write} from '../../store/ops/op.js'
import {addGrant, removeGrant} from '../../store/repos/grants.js'
import {appendAudit} from '../audit.js'
import {checkGrantSite, checkSegment, requireProvider} from './checks.js'

export interface GrantResult {
  provider: string
  changed: boolean
}

/** Lets a provider read or write a segment's customers at a site (`*` for any). Grants default to deny. */
export const grantAccess = dual(function* grantAccess(
  ctx: AppContext,
  id: string,
  g: {segment: string; site: string; access: 'read' | 'write'},
): Ops<GrantResult> {
  yield* requireProvider.ops(id)
  yield* checkSegment.ops(ctx, g.segment, {warn: true})
  yield* checkGrantSite.ops(g.site)
  const outcome = yield* write(
    (function* () {
      const o = yield* addGrant.ops({provider: id, ...g})
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'provider.grant',
        provider: id,
        subject: `${g.segment}@${g.site}`,
        outcome: o === 'unchanged' ? 'unchanged' : 'ok',
        details: g,
      })
      return o
    })(),
  )
  return {provider: id, changed: outcome !== 'unchanged'}
})

export const revokeAccess = dual(function* revokeAccess(
  ctx: AppContext,
  id: string,
  g: {segment: string; site: string},
): Ops<GrantResult> {
  yield* requireProvider.ops(id)
  yield* checkSegment.ops(ctx, g.segment, {warn: false})
  yield* checkGrantSite.ops(g.site)
  const removed = yield* write(
    (function* () {
      const r = yield* removeGrant.ops({provider: id, ...g})
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'provider.revoke',
        provider: id,
        subject: `${g.segment}@${g.site}`,
        outcome: r ? 'ok' : 'unchanged',
        details: g,
      })
      return r
    })(),
  )
  return {provider: id, changed: removed}
})
