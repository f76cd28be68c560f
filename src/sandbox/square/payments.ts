import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import type {RouteContext} from './context.js'
import {keysetPage, listResponse} from './list.js'
import {cursorParam, limitParam, sortKeyParam, sortOrderParam, timeFilter} from './params.js'
import {renderPayment} from './render.js'
import {json, notFound} from './responses.js'

/** GET /v2/payments: created_at or updated_at order, with the time and location filters. */
export function listPayments(ctx: RouteContext, req: EmulatorRequest): EmulatorResponse {
  const {query} = req
  const now = ctx.now()
  const snapshot = ctx.snapshots.at(now)
  const key = sortKeyParam(query, ['CREATED_AT', 'UPDATED_AT', 'OFFLINE_CREATED_AT'])
  const order = sortOrderParam(query)
  const keep = timeFilter(query, now)
  const page = keysetPage(snapshot.sorted('payments', key), {
    key: (r) => r[key],
    order,
    keep,
    after: cursorParam(query),
    limit: limitParam(query),
  })
  return listResponse(req, 'payments', page)
}

/** GET /v2/payments/{id}: the payment as it is now, once it exists. */
export function getPayment(ctx: RouteContext, id: string): EmulatorResponse {
  const rec = ctx.world.payment(id)
  const now = ctx.now()
  if (!rec || rec.p.createdAt > now) return notFound(`Could not find payment with id: ${id}`)
  return json(200, {payment: renderPayment(rec, now, ctx.world.seed)})
}
