import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import type {RouteContext} from './context.js'
import {keysetPage, listResponse} from './list.js'
import {cursorParam, limitParam, sortKeyParam, sortOrderParam, timeFilter} from './params.js'
import {renderRefund} from './render.js'
import {json, notFound} from './responses.js'
import type {Row} from './snapshot.js'

/** GET /v2/refunds: the payments' filters plus `status` and `source_type`. */
export function listRefunds(ctx: RouteContext, req: EmulatorRequest): EmulatorResponse {
  const {query} = req
  const now = ctx.now()
  const snapshot = ctx.snapshots.at(now)
  const key = sortKeyParam(query, ['CREATED_AT', 'UPDATED_AT'])
  const order = sortOrderParam(query)
  const time = timeFilter(query, now)
  const status = query.get('status') || undefined
  const sourceType = query.get('source_type') || undefined
  const keep = (r: Row) =>
    time(r) &&
    (status === undefined || r.status === status) &&
    (sourceType === undefined || r.sourceType === sourceType)
  const page = keysetPage(snapshot.sorted('refunds', key), {
    key: (r) => r[key],
    order,
    keep,
    after: cursorParam(query),
    limit: limitParam(query),
  })
  return listResponse(req, 'refunds', page)
}

/** GET /v2/refunds/{id}: a refund exists from its scenario time on. */
export function getRefund(ctx: RouteContext, id: string): EmulatorResponse {
  const found = ctx.world.refund(id)
  const refund = found?.rec.p.refunds.find((r) => r.key === found.key)
  if (!found || !refund || refund.at > ctx.now()) return notFound(`Could not find refund with id: ${id}`)
  return json(200, {refund: renderRefund(found.rec, refund)})
}
