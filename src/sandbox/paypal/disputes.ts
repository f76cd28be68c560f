import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import {DUPLICATE_HINT_HEADER} from '../faults.js'
import {paypalTimeToIso} from '../../gateways/paypal/time.js'
import {renderDispute} from './render.js'
import {invalidRequest, json, notFound} from './responses.js'
import type {PaypalWorld} from './world.js'

/**
 * `GET /v1/customer/disputes` (summaries by update time, `update_time_after`, `page_size` ≤ 50, paged by a
 * `next_page_token` in the `next` link) and `GET /v1/customer/disputes/{id}` (the detail, naming the disputed
 * transaction). A dispute is listed once it has opened.
 */
export function listDisputes(world: PaypalWorld, req: EmulatorRequest): EmulatorResponse {
  const q = req.query
  const pageSize = Number(q.get('page_size') ?? '10')
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50)
    return invalidRequest({
      field: 'page_size',
      value: String(q.get('page_size')),
      location: 'query',
      issue: 'INVALID_PARAMETER_VALUE',
      description: 'page_size must be 1 to 50',
    })
  let after = q.get('update_time_after')
  let offset = 0
  const token = q.get('next_page_token')
  if (token) {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        after: string | null
        offset: number
      }
      after = decoded.after
      offset = decoded.offset
    } catch {
      return invalidRequest({
        field: 'next_page_token',
        value: token,
        location: 'query',
        issue: 'INVALID_PARAMETER_VALUE',
      })
    }
  }
  if (after !== null && paypalTimeToIso(after) === null)
    return invalidRequest({
      field: 'update_time_after',
      value: after,
      location: 'query',
      issue: 'INVALID_PARAMETER_SYNTAX',
    })
  const afterIso = after === null ? null : paypalTimeToIso(after)!
  const at = world.nowIso()
  const updated = (d: Record<string, unknown>): string => d.update_time as string
  const all = world
    .disputed()
    .map((p) => renderDispute(p, world.customers.get(p.customer), world.ids, at, world.base(req), false))
    .filter((d): d is Record<string, unknown> => d !== null && (afterIso === null || updated(d) > afterIso))
    .sort((a, b) => (updated(a) < updated(b) ? -1 : updated(a) > updated(b) ? 1 : 0))
  const items = all.slice(offset, offset + pageSize)
  if (req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && items[0]) items.push(items[0])
  const links = [{href: `${world.base(req)}/v1/customer/disputes?${q.toString()}`, rel: 'self', method: 'GET'}]
  if (offset + pageSize < all.length) {
    const next = Buffer.from(JSON.stringify({after, offset: offset + pageSize})).toString('base64url')
    links.push({
      href: `${world.base(req)}/v1/customer/disputes?page_size=${pageSize}&next_page_token=${next}`,
      rel: 'next',
      method: 'GET',
    })
  }
  return json(200, {items, links})
}

export function disputeDetail(world: PaypalWorld, req: EmulatorRequest, id: string): EmulatorResponse {
  const p = world.disputeById.get(id)
  const rendered = p
    ? renderDispute(p, world.customers.get(p.customer), world.ids, world.nowIso(), world.base(req), true)
    : null
  return rendered ? json(200, rendered) : notFound()
}
