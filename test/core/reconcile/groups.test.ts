import {describe, expect, it} from 'vitest'

import {groupLinks, type Link} from '../../../src/core/reconcile/groups.js'

const link = (payment: number, invoices: number[]): Link => ({
  payment,
  invoices,
  rule: 'reference',
  why: null,
  fx: null,
})

describe('groupLinks', () => {
  it('ties invoices and payments through links into groups, in the order of their first item', () => {
    // invoices 0..4, payments 0..4: p1 pays i3 and i1; p0 and p2 both pay i1; p3 pays i4; i0, i2, p4 stand alone
    const links = [link(1, [3, 1]), link(0, [1]), link(2, [1]), link(3, [4])]
    const groups = groupLinks(5, 5, links)
    expect(
      groups.map((g) => ({invoices: g.invoices, payments: g.payments, links: g.links.map((l) => l.payment)})),
    ).toEqual([
      {invoices: [0], payments: [], links: []},
      {invoices: [1, 3], payments: [0, 1, 2], links: [1, 0, 2]},
      {invoices: [2], payments: [], links: []},
      {invoices: [4], payments: [3], links: [3]},
      {invoices: [], payments: [4], links: []},
    ])
    // every item in exactly one group, each list exactly as long as what it holds
    expect(groups.flatMap((g) => g.invoices).sort()).toEqual([0, 1, 2, 3, 4])
    expect(groups.flatMap((g) => g.payments).sort()).toEqual([0, 1, 2, 3, 4])
    for (const g of groups)
      for (const list of [g.invoices, g.payments, g.links]) expect(Object.keys(list)).toHaveLength(list.length)
  })

  it('links chain several invoices and payments into one group, links in the order given; no items, no group', () => {
    expect(groupLinks(0, 0, [])).toEqual([])
    const groups = groupLinks(2, 3, [link(2, [0]), link(0, [1]), link(1, [0, 1])])
    expect(groups).toHaveLength(1)
    expect(groups[0]!.invoices).toEqual([0, 1])
    expect(groups[0]!.payments).toEqual([0, 1, 2])
    expect(groups[0]!.links.map((l) => l.payment)).toEqual([2, 0, 1])
  })
})
