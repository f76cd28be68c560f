import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import type {RouteContext} from './context.js'
import {keysetPage, listResponse} from './list.js'
import {cursorParam, MAX_LIMIT} from './params.js'
import {renderDispute} from './render.js'
import {json, notFound} from './responses.js'
import type {Row} from './snapshot.js'

/** GET /v2/disputes: no time filter, no sort parameters and no limit, as Square's (docs/gateways.md#square-listing). */
export function listDisputes(ctx: RouteContext, req: EmulatorRequest): EmulatorResponse {
  const {query} = req
  const snapshot = ctx.snapshots.at(ctx.now())
  const states = new Set(
    query
      .getAll('states')
      .flatMap((s) => s.split(','))
      .filter((s) => s.length > 0),
  )
  const location = query.get('location_id') || undefined
  const keep = (r: Row) =>
    (states.size === 0 || states.has(r.status)) && (location === undefined || r.location === location)
  const page = keysetPage(snapshot.sorted('disputes', 'created'), {
    key: (r) => r.created,
    order: 'ASC',
    keep,
    after: cursorParam(query),
    limit: MAX_LIMIT,
  })
  return listResponse(req, 'disputes', page)
}

/** GET /v2/disputes/{id}: the dispute in its state now, once it is open. */
export function getDispute(ctx: RouteContext, id: string): EmulatorResponse {
  const rec = ctx.world.disputeRecord(id)
  const dispute = rec ? renderDispute(rec, ctx.now(), ctx.world.seed) : null
  if (!dispute) return notFound(`Could not find dispute with id: ${id}`)
  return json(200, {dispute})
}
