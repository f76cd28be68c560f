/** What every list command returns beside its rows: whether --limit cut them, and how to get the rest. */
export interface PageInfo {
  truncated: boolean
  limit: number
  /** Only when truncated: what to pass to see more (also the line a person reads on stderr). */
  hint?: string
}

/**
 * The first `limit` rows of a list, asking the query for one more so that "there is more" is known without a
 * count. Lists of the latest rows shown oldest first (audit) lose their oldest extra row: `drop: 'first'`.
 * `narrowWith` names the command's own filters for the hint.
 */
export function firstPage<T>(
  limit: number,
  fetch: (limit: number) => T[],
  opts: PageOptions,
): {rows: T[]; page: PageInfo} {
  return pageOf(limit, fetch(limit + 1), opts)
}

export interface PageOptions {
  narrowWith: string
  drop?: 'first' | 'last'
}

/** firstPage for rows already fetched (asked for `limit + 1` of them), as a query that must be awaited gives them. */
export function pageOf<T>(limit: number, rows: T[], opts: PageOptions): {rows: T[]; page: PageInfo} {
  if (rows.length <= limit) return {rows, page: {truncated: false, limit}}
  return {
    rows: opts.drop === 'first' ? rows.slice(rows.length - limit) : rows.slice(0, limit),
    page: {
      truncated: true,
      limit,
      hint: `${limit} shown, more match: pass a larger --limit (e.g. --limit ${limit * 10}) or narrow with ${opts.narrowWith}`,
    },
  }
}
