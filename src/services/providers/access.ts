import type {AppContext} from '../../app/context.js'
import type {Db} from '../../store/db.js'
import {addGrant, removeGrant} from '../../store/repos/grants.js'
import {appendAudit} from '../audit.js'
import {checkGrantSite, checkSegment, requireProvider} from './checks.js'

export interface GrantResult {
  provider: string
  changed: boolean
}

/** Lets a provider read or write a segment's customers at a site (`*` for any). Grants default to deny. */
export function grantAccess(
  db: Db,
  ctx: AppContext,
  id: string,
  g: {segment: string; site: string; access: 'read' | 'write'},
): GrantResult {
  requireProvider(db, id)
  checkSegment(db, ctx, g.segment, {warn: true})
  checkGrantSite(db, g.site)
  const outcome = db.write(() => {
    const o = addGrant(db, {provider: id, ...g})
    appendAudit(db, {
      actor: ctx.actor,
      action: 'provider.grant',
      provider: id,
      subject: `${g.segment}@${g.site}`,
      outcome: o === 'unchanged' ? 'unchanged' : 'ok',
      details: g,
    })
    return o
  })
  return {provider: id, changed: outcome !== 'unchanged'}
}

export function revokeAccess(db: Db, ctx: AppContext, id: string, g: {segment: string; site: string}): GrantResult {
  requireProvider(db, id)
  checkSegment(db, ctx, g.segment, {warn: false})
  checkGrantSite(db, g.site)
  const removed = db.write(() => {
    const r = removeGrant(db, {provider: id, ...g})
    appendAudit(db, {
      actor: ctx.actor,
      action: 'provider.revoke',
      provider: id,
      subject: `${g.segment}@${g.site}`,
      outcome: r ? 'ok' : 'unchanged',
      details: g,
    })
    return r
  })
  return {provider: id, changed: removed}
}
