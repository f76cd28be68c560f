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

/** Connected components over invoices (0..invoices-1) and payments, in the order of their first item. */
export function groupLinks(invoices: number, payments: number, links: readonly Link[]): Group[] {
  const parent = new Int32Array(invoices + payments)
  for (let i = 0; i < parent.length; i++) parent[i] = i
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!
      x = parent[x]!
    }
    return x
  }
  const union = (a: number, b: number): void => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  for (const link of links) for (const i of link.invoices) union(i, invoices + link.payment)
  const byRoot = new Map<number, Group>()
  const groupOf = (x: number): Group => {
    const root = find(x)
    let group = byRoot.get(root)
    if (!group) byRoot.set(root, (group = {invoices: [], payments: [], links: []}))
    return group
  }
  for (let i = 0; i < invoices; i++) groupOf(i).invoices.push(i)
  for (let p = 0; p < payments; p++) groupOf(invoices + p).payments.push(p)
  for (const link of links) groupOf(invoices + link.payment).links.push(link)
  return [...byRoot.values()]
}
