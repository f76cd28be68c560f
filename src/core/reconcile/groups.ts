import type {MatchRule} from './classes.js'
import type {Conversion} from './convert.js'

/** A payment tied to the invoices it pays, by one rule. */
export interface Link {
  payment: number
  invoices: number[]
  rule: MatchRule
  /** Fuzzy rules: why this was the only candidate, in words. */
  why: string | null
  /** The payment converted into the invoices' currency (matching by rule in another currency). */
  fx: Conversion | null
}

/** Invoices and payments that links tie together (directly or through each other); every item in exactly one. */
export interface Group {
  invoices: number[]
  payments: number[]
  links: Link[]
}

/**
 * Connected components over invoices (0..invoices-1) and payments, in the order of their first item. Each group's
 * lists are allocated at their final size: a run holds tens of thousands of groups, and lists grown by push keep
 * room for 17 items each (measured: a third of the engine's heap at a million invoices).
 */
export function groupLinks(invoices: number, payments: number, links: readonly Link[]): Group[] {
  const size = invoices + payments
  const parent = new Int32Array(size)
  for (let i = 0; i < size; i++) parent[i] = i
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!
      x = parent[x]!
    }
    return x
  }
  for (const link of links)
    for (const i of link.invoices) {
      const ra = find(i)
      const rb = find(invoices + link.payment)
      // The smaller index is the root: a group's root is its first item, so groups come in the order of it.
      if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
    }
  // Per root: how many invoices, payments and links, then the group's slot.
  const counts = new Int32Array(size * 3)
  const rootOf = new Int32Array(size)
  for (let x = 0; x < size; x++) {
    const root = (rootOf[x] = find(x))
    counts[root * 3 + (x < invoices ? 0 : 1)]!++
  }
  for (const link of links) counts[rootOf[invoices + link.payment]! * 3 + 2]!++
  const slot = new Int32Array(size)
  const groups: Group[] = []
  for (let x = 0; x < size; x++) {
    if (rootOf[x] !== x) continue
    slot[x] = groups.length
    groups.push({
      invoices: new Array<number>(counts[x * 3]!),
      payments: new Array<number>(counts[x * 3 + 1]!),
      links: new Array<Link>(counts[x * 3 + 2]!),
    })
  }
  // counts become fill positions
  counts.fill(0)
  for (let x = 0; x < size; x++) {
    const root = rootOf[x]!
    const group = groups[slot[root]!]!
    if (x < invoices) group.invoices[counts[root * 3]!++] = x
    else group.payments[counts[root * 3 + 1]!++] = x - invoices
  }
  for (const link of links) {
    const root = rootOf[invoices + link.payment]!
    groups[slot[root]!]!.links[counts[root * 3 + 2]!++] = link
  }
  return groups
}
