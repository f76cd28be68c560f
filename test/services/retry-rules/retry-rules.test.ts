import {afterEach, describe, expect, it} from 'vitest'

import {decideRetry} from '../../../src/core/retry/decide-retry.js'
import type {Failure} from '../../../src/core/transaction.js'
import {listNetworkRules, setNetworkRule} from '../../../src/services/retry-rules/caps.js'
import {listRetryCodes, setCodeOverride, unsetCodeOverride} from '../../../src/services/retry-rules/codes.js'
import {queryAuditRows} from '../../../src/store/repos/audit.js'
import {countUnmappedCodes} from '../../../src/store/repos/decline-codes.js'
import {readRetryRules} from '../../../src/store/repos/retry-rules.js'
import {applyPage, ledgerWorld, txn} from '../sync/ledger-world.js'

let w: ReturnType<typeof ledgerWorld>
afterEach(() => w?.close())

const eur = (minor: number) => ({minor, currency: 'EUR'})
const failed = (externalId: string, failure: Failure) =>
  txn({externalId, type: 'payment', status: 'failed', amount: eur(1_000), customerRef: 'cus_1', failure})
const newCode: Failure = {code: 'new_code_2027', message: 'Declined', decision: 'terminal', basis: 'unmapped'}
const soft: Failure = {code: 'insufficient_funds', message: 'No funds', decision: 'retry', basis: 'table'}

function withWarnings() {
  const warnings: string[] = []
  return {ctx: {...w.ctx, warn: (m: string) => void warnings.push(m)}, warnings}
}

describe('decline codes seen on failed payments (the reaction in the apply transaction)', () => {
  it('counts each failed payment once, unmapped ones apart; a re-read or an unrelated update counts nothing', () => {
    w = ledgerWorld()
    applyPage(w.db, [failed('ch_1', newCode), failed('ch_2', newCode), failed('ch_3', soft)])
    applyPage(w.db, [failed('ch_1', newCode)]) // the same state again: nothing written
    applyPage(w.db, [{...failed('ch_3', soft), metadata: {note: 'x'}}]) // a new version, same failure
    const {codes} = listRetryCodes(w.db)
    expect(codes.map((c) => [c.code, c.seen, c.unmapped, c.effective])).toEqual([
      ['new_code_2027', 2, 2, 'terminal'],
      ['insufficient_funds', 1, 0, 'retry'],
    ])
    expect(listRetryCodes(w.db, {unmapped: true}).codes.map((c) => c.code)).toEqual(['new_code_2027'])
    expect(countUnmappedCodes(w.db)).toEqual({codes: 1, payments: 2})
  })

  it('a payment that fails again with another code counts the new one; a succeeded payment counts nothing', () => {
    w = ledgerWorld()
    applyPage(w.db, [failed('ch_1', soft)])
    applyPage(w.db, [failed('ch_1', newCode)])
    applyPage(w.db, [
      txn({externalId: 'ch_9', type: 'payment', status: 'succeeded', amount: eur(5), customerRef: 'cus_1'}),
    ])
    expect(
      listRetryCodes(w.db)
        .codes.map((c) => c.code)
        .sort(),
    ).toEqual(['insufficient_funds', 'new_code_2027'])
  })
})

describe('retry codes set / unset: admin overrides, audited, read by the engine', () => {
  it('an override maps an unmapped code; it reaches decideRetry through readRetryRules; unset restores the table', () => {
    w = ledgerWorld()
    applyPage(w.db, [failed('ch_1', newCode)])
    const {ctx, warnings} = withWarnings()
    expect(
      setCodeOverride(w.db, ctx, {
        kind: 'stripe',
        code: 'new_code_2027',
        decision: 'retry',
        note: 'soft per Stripe support',
      }),
    ).toEqual({kind: 'stripe', code: 'new_code_2027', decision: 'retry', previous: null, changed: true})
    expect(warnings).toEqual([])
    expect(countUnmappedCodes(w.db)).toEqual({codes: 0, payments: 0})
    const view = listRetryCodes(w.db)
    expect(view.codes[0]).toMatchObject({
      effective: 'retry',
      override: {decision: 'retry', note: 'soft per Stripe support'},
    })
    const at = '2026-01-02T00:00:00.000Z'
    expect(decideRetry('stripe', newCode, [], readRetryRules(w.db), at)).toMatchObject({
      decision: 'retry',
      unmapped: false,
    })
    // The same code at another gateway kind is not affected.
    expect(decideRetry('adyen', newCode, [], readRetryRules(w.db), at)).toMatchObject({
      decision: 'terminal',
      unmapped: true,
    })

    expect(
      setCodeOverride(w.db, ctx, {
        kind: 'stripe',
        code: 'new_code_2027',
        decision: 'retry',
        note: 'soft per Stripe support',
      }).changed,
    ).toBe(false)
    expect(unsetCodeOverride(w.db, ctx, 'stripe', 'new_code_2027')).toMatchObject({changed: true, previous: 'retry'})
    expect(decideRetry('stripe', newCode, [], readRetryRules(w.db), at).decision).toBe('terminal')
    const actions = queryAuditRows(w.db).map((a) => [a.action, a.subject, a.outcome])
    expect(actions).toEqual(
      expect.arrayContaining([
        ['retry.code_override', 'stripe:new_code_2027', 'ok'],
        ['retry.code_override', 'stripe:new_code_2027', 'unchanged'],
        ['retry.code_override_removed', 'stripe:new_code_2027', 'ok'],
      ]),
    )
  })

  it('refuses an unknown kind, an empty code or a decision that is none of the three; warns about likely mistakes', () => {
    w = ledgerWorld()
    const {ctx, warnings} = withWarnings()
    expect(() => setCodeOverride(w.db, ctx, {kind: 'stripey', code: 'x', decision: 'retry'})).toThrow(
      /unknown gateway kind/,
    )
    expect(() => setCodeOverride(w.db, ctx, {kind: 'stripe', code: ' ', decision: 'retry'})).toThrow(/code/)
    expect(() => setCodeOverride(w.db, ctx, {kind: 'stripe', code: 'x', decision: 'maybe'})).toThrow(/--decision/)
    setCodeOverride(w.db, ctx, {kind: 'stripe', code: 'insuficient_funds', decision: 'terminal'})
    expect(warnings[0]).toMatch(/no failed stripe payment has come with insuficient_funds yet/)
    applyPage(w.db, [failed('ch_1', {code: 'stolen_card', message: '', decision: 'terminal', basis: 'table'})])
    setCodeOverride(w.db, ctx, {kind: 'stripe', code: 'stolen_card', decision: 'retry'})
    expect(warnings.at(-1)).toMatch(/maps stolen_card to terminal/)
  })
})

describe('retry caps: the card-network settings', () => {
  it('lists the documented defaults; set changes one (audited) and readRetryRules applies it; default restores it', () => {
    w = ledgerWorld()
    const before = listNetworkRules(w.db)
    expect(before.map((c) => [c.name, c.value, c.set])).toEqual([
      ['visa-category-1-codes', '04,07,12,14,15,41,43,46,57,R0,R1,R3', null],
      ['visa-reattempts-30d', '15', null],
      ['mastercard-stop-advice', '03,21', null],
      ['mastercard-declines-24h', '10', null],
      ['mastercard-declines-30d', '35', null],
    ])
    expect(setNetworkRule(w.db, w.ctx, 'visa-reattempts-30d', '20')).toEqual({
      name: 'visa-reattempts-30d',
      value: '20',
      previous: '15',
      changed: true,
    })
    expect(readRetryRules(w.db).network.visaReattempts30d).toBe(20)
    expect(listNetworkRules(w.db)[1]).toMatchObject({value: '20', default: '15', set: {by: 'sync-test'}})
    expect(setNetworkRule(w.db, w.ctx, 'visa-reattempts-30d', 'default')).toMatchObject({value: '15', changed: true})
    expect(readRetryRules(w.db).network.visaReattempts30d).toBe(15)
    expect(listNetworkRules(w.db)[1]!.set).toBeNull()
    expect(() => setNetworkRule(w.db, w.ctx, 'visa-reattempts-30d', 'many')).toThrow(/whole number/)
    expect(queryAuditRows(w.db).filter((a) => a.action === 'retry.network_rule')).toHaveLength(2)
  })
})
