/**
 * The valid name a misspelt one was most likely meant to be, or null when none is close: a different case, a
 * prefix (`due` for `due_at`), or at most one edit for short names and two for longer ones (a swap of two
 * neighbouring letters counts as one edit).
 */
export function nearestName(name: string, valid: readonly string[]): string | null {
  if (name.length > 64) return null
  const wanted = name.toLowerCase()
  let best: {name: string; distance: number} | null = null
  for (const candidate of valid) {
    const lower = candidate.toLowerCase()
    const distance =
      lower === wanted ? 0 : lower.startsWith(wanted) && wanted.length >= 3 ? 1 : editDistance(wanted, lower)
    if (best === null || distance < best.distance) best = {name: candidate, distance}
  }
  const allowed = name.length <= 4 ? 1 : 2
  return best !== null && best.distance <= allowed ? best.name : null
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
    }
  }
  return rows[a.length]![b.length]!
}
