import {describe, expect, it} from 'vitest'

import {
  type FinishedChain,
  ratio,
  recoveryBy,
  recoveryByAttempt,
  recoveryFigures,
} from '../../../src/core/retry/recovery-rate.js'

const chain = (over: Partial<FinishedChain>): FinishedChain => ({
  status: 'recovered',
  provider: 'a',
  reason: 'insufficient_funds',
  amount: {minor: 1000, currency: 'EUR'},
  recoveredVia: 'primary',
  recoveredSlot: 1,
  ...over,
})

const chains: FinishedChain[] = [
  chain({}),
  chain({recoveredSlot: 2, amount: {minor: 500, currency: 'EUR'}}),
  chain({recoveredVia: 'fallback', recoveredSlot: 3, amount: {minor: 700, currency: 'JPY'}, provider: 'b'}),
  chain({status: 'exhausted', recoveredVia: null, recoveredSlot: null, amount: {minor: 1500, currency: 'EUR'}}),
  chain({status: 'stopped', recoveredVia: null, recoveredSlot: null, reason: 'generic', provider: 'b'}),
  // Left out of the rate: an admin's cancel, a bill paid by other means.
  chain({status: 'canceled', recoveredVia: null, recoveredSlot: null}),
  chain({status: 'superseded', recoveredVia: null, recoveredSlot: null}),
]

describe('the recovery rate', () => {
  it('is recovered ÷ chains the engine finished, by count and by amount per currency', () => {
    const all = recoveryFigures(chains)
    expect(all).toEqual({
      eligible: 5,
      recovered: 3,
      rate: 0.6,
      byAmount: [
        {
          currency: 'EUR',
          eligible: {minor: 4000, currency: 'EUR'},
          recovered: {minor: 1500, currency: 'EUR'},
          rate: 0.375,
        },
        {currency: 'JPY', eligible: {minor: 700, currency: 'JPY'}, recovered: {minor: 700, currency: 'JPY'}, rate: 1},
      ],
    })
  })

  it('splits into same-processor and fallback shares of one base, which add up to the whole', () => {
    const same = recoveryFigures(chains, (c) => c.recoveredVia === 'primary')
    const fallback = recoveryFigures(chains, (c) => c.recoveredVia === 'fallback')
    expect([same.recovered, fallback.recovered, same.eligible, fallback.eligible]).toEqual([2, 1, 5, 5])
    expect(same.rate! + fallback.rate!).toBeCloseTo(0.6, 10)
  })

  it('groups by provider and by decline reason, and per attempt number', () => {
    expect(recoveryBy(chains, (c) => c.provider).map((g) => [g.key, g.eligible, g.recovered])).toEqual([
      ['a', 3, 2],
      ['b', 2, 1],
    ])
    expect(recoveryBy(chains, (c) => c.reason).map((g) => [g.key, g.rate])).toEqual([
      ['generic', 0],
      ['insufficient_funds', 0.75],
    ])
    expect(
      recoveryByAttempt(
        new Map([
          [1, 5],
          [2, 3],
          [3, 1],
        ]),
        chains,
      ),
    ).toEqual([
      {attempt: 1, attempts: 5, recovered: 1, successRate: 0.2},
      {attempt: 2, attempts: 3, recovered: 1, successRate: 0.3333},
      {attempt: 3, attempts: 1, recovered: 1, successRate: 1},
    ])
  })

  it('is null, not zero, when nothing finished', () => {
    expect(recoveryFigures([]).rate).toBeNull()
    expect(ratio(0, 0)).toBeNull()
    expect(ratio(1, 3)).toBe(0.3333)
  })
})
