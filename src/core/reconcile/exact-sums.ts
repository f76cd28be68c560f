/**
 * Combinations of two or more amounts that add up to `target` exactly: at most `limit` of them are found (the
 * caller only needs to tell none, one and several apart). `null` when the search was too large to finish, so a
 * customer with very many open invoices is said to be undecidable rather than silently given no combination.
 */
export function exactSums(
  amounts: ReadonlyArray<{key: number; minor: number}>,
  target: number,
  limit = 2,
  budget = 200_000,
): number[][] | null {
  const items = amounts
    .filter((a) => a.minor > 0 && a.minor <= target)
    .sort((a, b) => b.minor - a.minor || a.key - b.key)
  // suffix[i]: the sum of items[i..]; a branch that cannot reach the target any more is cut.
  const suffix = new Array<number>(items.length + 1).fill(0)
  for (let i = items.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + items[i]!.minor
  const found: number[][] = []
  const chosen: number[] = []
  let steps = 0
  let exhausted = false
  const walk = (from: number, left: number): void => {
    if (found.length >= limit || exhausted) return
    if (++steps > budget) {
      exhausted = true
      return
    }
    if (left === 0) {
      if (chosen.length >= 2) found.push(chosen.map((i) => items[i]!.key).sort((a, b) => a - b))
      return
    }
    for (let i = from; i < items.length && suffix[i]! >= left; i++) {
      if (items[i]!.minor > left) continue
      chosen.push(i)
      walk(i + 1, left - items[i]!.minor)
      chosen.pop()
      if (found.length >= limit || exhausted) return
    }
  }
  walk(0, target)
  return exhausted ? null : found
}
