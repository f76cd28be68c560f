import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import {DUPLICATE_HINT_HEADER} from '../faults.js'
import {json} from './responses.js'
import type {Row} from './snapshot.js'

/**
 * Square's list answers (docs/gateways.md#square-listing): keyset pages over rows sorted by (key, id), stable
 * while objects appear or change between pages, with an opaque cursor on every page but the last.
 */
export interface CursorPos {
  k: string
  i: string
}

function encodeCursor(pos: CursorPos): string {
  return Buffer.from(JSON.stringify(pos)).toString('base64url')
}

export interface PageRequest {
  key: (r: Row) => string
  order: 'ASC' | 'DESC'
  keep: (r: Row) => boolean
  after: CursorPos | null
  limit: number
}

export function keysetPage(sorted: readonly Row[], req: PageRequest): {rows: Row[]; cursor: string | undefined} {
  const {key, order, keep, after, limit} = req
  const out: Row[] = []
  const n = sorted.length
  for (let step = 0; step < n; step++) {
    const row = sorted[order === 'ASC' ? step : n - 1 - step] as Row
    if (after) {
      const k = key(row)
      const cmp = k < after.k ? -1 : k > after.k ? 1 : row.id < after.i ? -1 : row.id > after.i ? 1 : 0
      if (order === 'ASC' ? cmp <= 0 : cmp >= 0) continue
    }
    if (!keep(row)) continue
    if (out.length === limit) {
      const last = out[out.length - 1] as Row
      return {rows: out, cursor: encodeCursor({k: key(last), i: last.id})}
    }
    out.push(row)
  }
  return {rows: out, cursor: undefined}
}

/** `{"<listing>": [...], "cursor": "…"}`, the cursor left out on the last page. */
export function listResponse(
  req: EmulatorRequest,
  listing: string,
  page: {rows: Row[]; cursor: string | undefined},
): EmulatorResponse {
  return json(200, {
    [listing]: withDuplicate(req, page.rows).map((r) => r.render()),
    ...(page.cursor ? {cursor: page.cursor} : {}),
  })
}

/** Sandbox fault `duplicate`: a flaky replica repeats the first item of a list page; the cursor is unchanged. */
function withDuplicate(req: EmulatorRequest, rows: Row[]): Row[] {
  return req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && rows[0] ? [rows[0], ...rows] : rows
}
