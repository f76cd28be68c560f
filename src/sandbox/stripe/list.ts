import type {Listed} from './world.js'

/**
 * Stripe's list semantics (docs/gateways.md#stripe-listing): newest first, `limit` 1–100 (default 10),
 * `starting_after` / `ending_before` are object ids, `created[gt|gte|lt|lte]` in unix seconds, `has_more`.
 * Params arrive as `expand[]=a`, `expand[0]=a` (stripe-node) or `created[gte]=1`, in the query or a form body.
 */
export class ListParamError extends Error {
  constructor(
    message: string,
    readonly param: string,
    readonly status = 400,
    readonly code: string | null = null,
  ) {
    super(message)
  }
}

/** Values of an array parameter, in any of the encodings clients use. */
export function arrayParam(params: URLSearchParams, name: string): string[] {
  const out: string[] = []
  const pattern = new RegExp(`^${name}\\[\\d*\\]$`)
  for (const [key, value] of params) if (key === name || pattern.test(key)) out.push(value)
  return out
}

/** `metadata[key]=value` pairs. */
export function hashParam(params: URLSearchParams, name: string): Record<string, string> {
  const out: Record<string, string> = {}
  const pattern = new RegExp(`^${name}\\[([^\\]]+)\\]$`)
  for (const [key, value] of params) {
    const m = pattern.exec(key)
    if (m?.[1]) out[m[1]] = value
  }
  return out
}

export interface ListRequest {
  limit: number
  startingAfter: string | null
  endingBefore: string | null
  created: (seconds: number) => boolean
}

export function readListParams(params: URLSearchParams): ListRequest {
  const limitText = params.get('limit')
  const limit = limitText === null ? 10 : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ListParamError(`Invalid integer: ${limitText}. This value must be between 1 and 100.`, 'limit')
  }
  const startingAfter = params.get('starting_after')
  const endingBefore = params.get('ending_before')
  if (startingAfter && endingBefore)
    throw new ListParamError(
      'You may only specify one of these parameters: ending_before, starting_after.',
      'ending_before',
    )
  const bounds: ((s: number) => boolean)[] = []
  const bound = (key: string, test: (s: number, v: number) => boolean): void => {
    const text = params.get(key)
    if (text === null) return
    if (!/^\d+$/.test(text)) throw new ListParamError(`Invalid integer: ${text}`, key)
    const v = Number(text)
    bounds.push((s) => test(s, v))
  }
  bound('created', (s, v) => s === v)
  bound('created[gt]', (s, v) => s > v)
  bound('created[gte]', (s, v) => s >= v)
  bound('created[lt]', (s, v) => s < v)
  bound('created[lte]', (s, v) => s <= v)
  return {
    limit,
    startingAfter: startingAfter || null,
    endingBefore: endingBefore || null,
    created: (s) => bounds.every((b) => b(s)),
  }
}

/**
 * One page of `all` (ascending by time): those passing `keep`, newest first. Cursors are positions in that
 * order, so objects sharing a second are never skipped or repeated.
 */
export function listPage<T extends Listed>(
  all: readonly T[],
  req: ListRequest,
  keep: (entry: T) => boolean,
  find: (id: string) => T | undefined,
  noun: string,
): {items: T[]; hasMore: boolean} {
  const matches = (e: T) => keep(e) && req.created(Math.floor(e.atMs / 1000))
  const cursorId = req.startingAfter ?? req.endingBefore
  // Walk from the cursor's position (found by binary search) rather than filtering the whole list for every
  // page: paging through a million objects stays linear, not quadratic.
  let from = all.length // walking newest-first from just below this index
  if (cursorId !== null) {
    const anchor = find(cursorId)
    if (!anchor)
      throw new ListParamError(
        `No such ${noun}: '${cursorId}'`,
        req.startingAfter ? 'starting_after' : 'ending_before',
        404,
        'resource_missing',
      )
    const at = positionOf(all, anchor)
    if (req.endingBefore) {
      // Newer than the anchor, the `limit` closest to it, still returned newest first.
      const newer: T[] = []
      let i = at + 1
      for (; i < all.length && newer.length <= req.limit; i++) if (matches(all[i] as T)) newer.push(all[i] as T)
      const hasMore = newer.length > req.limit
      return {items: newer.slice(0, req.limit).reverse(), hasMore}
    }
    from = at
  }
  const items: T[] = []
  let i = from - 1
  for (; i >= 0 && items.length <= req.limit; i--) if (matches(all[i] as T)) items.push(all[i] as T)
  const hasMore = items.length > req.limit
  return {items: items.slice(0, req.limit), hasMore}
}

/** Index of an entry in a list ascending by (atMs, seq). */
function positionOf<T extends Listed>(all: readonly T[], entry: T): number {
  let lo = 0
  let hi = all.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const e = all[mid] as T
    if (e === entry) return mid
    if (e.atMs < entry.atMs || (e.atMs === entry.atMs && e.seq < entry.seq)) lo = mid + 1
    else hi = mid - 1
  }
  const found = all.indexOf(entry)
  return found >= 0 ? found : lo
}
