import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {
  invoicePositions,
  isBalanced,
  postingDifference,
  targetPositions,
  type PostingLine,
} from '../../src/core/ledger.js'
import type {NormalizedTxn} from '../../src/core/transaction.js'

const txn = (over: Partial<NormalizedTxn>): Pick<NormalizedTxn, 'type' | 'status' | 'amount' | 'fee' | 'provider'> => ({
  type: 'payment',
  status: 'succeeded',
  amount: {minor: 10_000, currency: 'USD'},
  fee: {minor: 320, currency: 'USD'},
  provider: 'acme-stripe',
  ...over,
})

function balanceOf(account: string, lines: PostingLine[]): number {
  return lines.filter((l) => l.account === account).reduce((s, l) => s + l.minor, 0)
}

describe('ledger rules', () => {
  it('a succeeded payment credits the customer and splits the fee out of clearing', () => {
    const lines = targetPositions(txn({}), 'c1')
    expect(balanceOf('customer:c1', lines)).toBe(-10_000)
    expect(balanceOf('clearing:acme-stripe', lines)).toBe(9_680)
    expect(balanceOf('fees:acme-stripe', lines)).toBe(320)
    expect(isBalanced(lines)).toBe(true)
  })

  it('pending and failed payments post nothing; settling later posts the full effect once', () => {
    expect(targetPositions(txn({status: 'pending'}), 'c1')).toEqual([])
    expect(targetPositions(txn({status: 'failed'}), 'c1')).toEqual([])
    const settled = postingDifference(targetPositions(txn({}), 'c1'), [])
    expect(balanceOf('customer:c1', settled)).toBe(-10_000)
  })

  it('an invoice then its payment then a partial refund nets the customer to the refunded figure', () => {
    const invoice = invoicePositions({customer: 'c1', site: 'berlin', amount: {minor: 10_000, currency: 'USD'}})
    const payment = targetPositions(txn({}), 'c1')
    const refund = targetPositions(txn({type: 'refund', amount: {minor: 2_500, currency: 'USD'}, fee: null}), 'c1')
    const all = [...invoice, ...payment, ...refund]
    expect(balanceOf('customer:c1', all)).toBe(2_500)
    expect(isBalanced(all)).toBe(true)
  })

  it('a dispute withdraws funds while open and when lost, and gives them back when won', () => {
    const open = targetPositions(txn({type: 'dispute', status: 'disputed', fee: null}), 'c1')
    expect(balanceOf('customer:c1', open)).toBe(10_000)
    const won = targetPositions(txn({type: 'dispute', status: 'won', fee: null}), 'c1')
    const reversal = postingDifference(won, open)
    expect(balanceOf('customer:c1', [...open, ...reversal])).toBe(0)
    const lost = targetPositions(txn({type: 'dispute', status: 'lost', fee: null}), 'c1')
    expect(postingDifference(lost, open)).toEqual([])
  })

  const statuses = ['pending', 'succeeded', 'failed', 'disputed', 'won', 'lost', 'canceled'] as const
  const types = ['payment', 'refund', 'dispute'] as const
  const stateArb = fc.record({
    type: fc.constantFrom(...types),
    status: fc.constantFrom(...statuses),
    minor: fc.integer({min: 0, max: 10_000_000}),
    fee: fc.integer({min: 0, max: 1_000}),
    currency: fc.constantFrom('USD', 'JPY', 'KWD'),
  })

  it('property: any sequence of states posts balanced differences that sum to the last state exactly', () => {
    fc.assert(
      fc.property(fc.array(stateArb, {minLength: 1, maxLength: 8}), (states) => {
        const posted: PostingLine[] = []
        for (const s of states) {
          const target = targetPositions(
            txn({
              type: s.type,
              status: s.status,
              amount: {minor: s.minor, currency: s.currency},
              fee: {minor: s.fee, currency: s.currency},
            }),
            'c1',
          )
          const diff = postingDifference(target, posted)
          expect(isBalanced(diff)).toBe(true)
          posted.push(...diff)
          // applying the same state again posts nothing (idempotent replay)
          expect(postingDifference(target, posted)).toEqual([])
        }
        const last = states.at(-1)!
        const final = targetPositions(
          txn({
            type: last.type,
            status: last.status,
            amount: {minor: last.minor, currency: last.currency},
            fee: {minor: last.fee, currency: last.currency},
          }),
          'c1',
        )
        for (const line of final)
          expect(
            balanceOf(
              line.account,
              posted.filter((p) => p.currency === line.currency),
            ),
          ).toBe(line.minor)
      }),
    )
  })
})
