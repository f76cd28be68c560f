import {afterEach, describe, expect, it} from 'vitest'

import {replayQuarantine} from '../../../src/services/sync/replay.js'
import {postingsFor} from '../../../src/store/repos/ledger.js'
import {getTxnState} from '../../../src/store/repos/transactions.js'
import {accountSums, ALL, applyPage, ledgerWorld, PROVIDER, scope, tableCounts, txn} from './ledger-world.js'

let w: ReturnType<typeof ledgerWorld>
afterEach(() => w?.close())

const eur = (minor: number) => ({minor, currency: 'EUR'})
const stored = (id: string) => getTxnState(w.db, `${PROVIDER}:${id}`)!.txn

describe('applyItems: worked examples', () => {
  it('a refund after a payment nets the customer; the fee stays with the merchant', () => {
    w = ledgerWorld()
    applyPage(w.db, [
      txn({
        externalId: 'ch_1',
        type: 'payment',
        status: 'succeeded',
        amount: eur(10_000),
        fee: eur(300),
        customerRef: 'cus_1',
      }),
    ])
    expect(accountSums(w.db)).toEqual({
      'clearing:acme-stripe|EUR': 9_700,
      'customer:c1|EUR': -10_000,
      'fees:acme-stripe|EUR': 300,
    })
    applyPage(w.db, [
      txn({externalId: 're_1', type: 'refund', status: 'succeeded', amount: eur(4_000), parentExternalId: 'ch_1'}),
    ])
    expect(accountSums(w.db)).toEqual({
      'clearing:acme-stripe|EUR': 5_700,
      'customer:c1|EUR': -6_000,
      'fees:acme-stripe|EUR': 300,
    })
    applyPage(w.db, [
      txn({externalId: 're_2', type: 'refund', status: 'succeeded', amount: eur(6_000), parentExternalId: 'ch_1'}),
    ])
    expect(accountSums(w.db)).toEqual({'clearing:acme-stripe|EUR': -300, 'fees:acme-stripe|EUR': 300})
  })

  it('pending -> succeeded posts once, as version 2; a repeat posts nothing; an older state arriving late is ignored', () => {
    w = ledgerWorld()
    const pending = txn({
      externalId: 'ch_2',
      type: 'payment',
      status: 'pending',
      amount: eur(5_000),
      customerRef: 'cus_2',
    })
    const succeeded = txn({
      externalId: 'ch_2',
      type: 'payment',
      status: 'succeeded',
      amount: eur(5_000),
      fee: eur(150),
      customerRef: 'cus_2',
    })
    expect(applyPage(w.db, [pending])).toMatchObject({inserted: 1, posted: 0})
    expect(applyPage(w.db, [succeeded])).toMatchObject({updated: 1, posted: 3})
    expect(applyPage(w.db, [succeeded, pending])).toMatchObject({unchanged: 2, posted: 0})
    expect(stored('ch_2').status).toBe('succeeded')
    expect(postingsFor(w.db, `${PROVIDER}:ch_2`).map((p) => [p.version, p.account, p.minor])).toEqual([
      [2, 'customer:c2', -5_000],
      [2, 'clearing:acme-stripe', 4_850],
      [2, 'fees:acme-stripe', 150],
    ])
  })

  it('a dispute lost after opening moves funds once; won gives them back as a new version', () => {
    w = ledgerWorld()
    applyPage(w.db, [
      txn({
        externalId: 'ch_3',
        type: 'payment',
        status: 'succeeded',
        amount: eur(8_000),
        fee: eur(0),
        customerRef: 'cus_1',
      }),
    ])
    applyPage(w.db, [
      txn({externalId: 'dp_3', type: 'dispute', status: 'disputed', amount: eur(8_000), parentExternalId: 'ch_3'}),
    ])
    expect(accountSums(w.db)['customer:c1|EUR']).toBeUndefined()
    applyPage(w.db, [
      txn({externalId: 'dp_3', type: 'dispute', status: 'won', amount: eur(8_000), parentExternalId: 'ch_3'}),
    ])
    expect(accountSums(w.db)['customer:c1|EUR']).toBe(-8_000)
    expect(
      postingsFor(w.db, `${PROVIDER}:dp_3`)
        .map((p) => [p.version, p.account, p.minor])
        .sort(),
    ).toEqual([
      [1, 'clearing:acme-stripe', -8_000],
      [1, 'customer:c1', 8_000],
      [2, 'clearing:acme-stripe', 8_000],
      [2, 'customer:c1', -8_000],
    ])
  })

  // A refund whose states arrive out of order before its payment (webhooks, overlapping windows) must be replayed in
  // its newest state, or the ledger misses the refund until the gateway happens to send it again.
  it('a quarantined child keeps its newest state even when an older state arrives after it', () => {
    w = ledgerWorld()
    const pending = txn({
      externalId: 're_9',
      type: 'refund',
      status: 'pending',
      amount: eur(2_000),
      parentExternalId: 'ch_9',
    })
    const succeeded = txn({
      externalId: 're_9',
      type: 'refund',
      status: 'succeeded',
      amount: eur(2_000),
      parentExternalId: 'ch_9',
    })
    applyPage(w.db, [succeeded]) // newest first, parent unknown: quarantined
    applyPage(w.db, [pending]) // the older state, late: still quarantined
    expect(tableCounts(w.db).openQuarantine).toBe(1)
    applyPage(w.db, [
      txn({
        externalId: 'ch_9',
        type: 'payment',
        status: 'succeeded',
        amount: eur(2_000),
        fee: eur(0),
        customerRef: 'cus_1',
      }),
    ])
    replayQuarantine(w.db, w.ctx, {provider: PROVIDER, reasons: ['unknown_customer'], quiet: true})
    expect(stored('re_9').status).toBe('succeeded')
    expect(accountSums(w.db)['customer:c1|EUR']).toBeUndefined() // paid 2000, refunded 2000
  })

  // An Adyen report row names no customer and waits in quarantine; the payment's webhook brings the customer but no
  // fee. The report row's fee must still be booked: closing its item as 'resolved' would drop what only it said.
  it("a payment held for its customer and resolved by a message without the fee books the held row's fee", () => {
    w = ledgerWorld()
    const reportRow = {
      externalId: 'psp_5',
      type: 'payment' as const,
      status: 'succeeded' as const,
      amount: eur(10_000),
      updatedAt: '2026-01-02T00:00:00.000Z',
    }
    expect(applyPage(w.db, [txn({...reportRow, fee: eur(250)})])).toMatchObject({quarantined: 1})
    const webhook = txn({...reportRow, customerRef: 'cus_1', updatedAt: '2026-01-01T00:00:00.000Z'})
    applyPage(w.db, [webhook], scope(ALL, 'webhook'))
    expect(tableCounts(w.db).openQuarantine).toBe(0)
    expect(stored('psp_5').fee).toEqual(eur(250))
    expect(accountSums(w.db)).toEqual({
      'clearing:acme-stripe|EUR': 9_750,
      'customer:c1|EUR': -10_000,
      'fees:acme-stripe|EUR': 250,
    })
  })

  // A charge seen pending (fee 0) then failed (no fee) must not keep the pending fee: a fresh backfill stores null,
  // and two homes of the same world would disagree. (A webhook's pending -> succeeded still keeps the known fee.)
  it('a payment that fails after pending does not keep the pending fee', () => {
    w = ledgerWorld()
    applyPage(w.db, [
      txn({
        externalId: 'ch_4',
        type: 'payment',
        status: 'pending',
        amount: eur(1_000),
        fee: eur(0),
        customerRef: 'cus_1',
      }),
    ])
    applyPage(w.db, [
      txn({
        externalId: 'ch_4',
        type: 'payment',
        status: 'failed',
        amount: eur(1_000),
        fee: null,
        customerRef: 'cus_1',
        failure: {code: 'x', message: 'x', decision: 'terminal'},
      }),
    ])
    expect(stored('ch_4').fee).toBeNull()
  })
})
