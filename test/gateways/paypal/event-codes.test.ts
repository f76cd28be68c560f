import {describe, expect, it} from 'vitest'

import {EVENT_CODES, eventCode, type Treatment} from '../../../src/gateways/paypal/event-codes.js'

/**
 * The codes listed on PayPal's "Transaction event codes" page
 * (https://developer.paypal.com/docs/transaction-search/transaction-event-codes/), group by group, typed here
 * from the page and not from the adapter's table, so a code missing from (or invented in) the table fails.
 */
const DOCUMENTED: Record<string, string[]> = {
  T00: ['T0000', 'T0001', 'T0002', 'T0003', 'T0004', 'T0005', 'T0006', 'T0007', 'T0008', 'T0009', 'T0010'].concat([
    'T0011',
    'T0012',
    'T0013',
    'T0014',
    'T0015',
    'T0016',
    'T0017',
    'T0018',
    'T0019',
    'T0021',
  ]),
  T01: ['T0100', 'T0101', 'T0102', 'T0103', 'T0104', 'T0105', 'T0106', 'T0107', 'T0108', 'T0109', 'T0110'].concat([
    'T0111',
    'T0112',
    'T0113',
    'T0114',
  ]),
  T02: ['T0200', 'T0201', 'T0202'],
  T03: ['T0300', 'T0301', 'T0302', 'T0303'],
  T04: ['T0400', 'T0401', 'T0403'],
  T05: ['T0500', 'T0501', 'T0502', 'T0503', 'T0504', 'T0505'],
  T06: ['T0600'],
  T07: ['T0700', 'T0701'],
  T08: ['T0800', 'T0801', 'T0802', 'T0803', 'T0804', 'T0805', 'T0806', 'T0807', 'T0808'],
  T09: ['T0900', 'T0901', 'T0902', 'T0903', 'T0904', 'T0905'],
  T10: ['T1000'],
  T11: ['T1100', 'T1101', 'T1102', 'T1103', 'T1104', 'T1105', 'T1106', 'T1107', 'T1108', 'T1109', 'T1110'].concat([
    'T1111',
    'T1112',
    'T1113',
    'T1114',
    'T1115',
    'T1116',
    'T1117',
    'T1118',
    'T1119',
  ]),
  T12: ['T1200', 'T1201', 'T1202', 'T1203', 'T1204', 'T1205', 'T1207', 'T1208'],
  T13: ['T1300', 'T1301', 'T1302'],
  T14: ['T1400'],
  T15: ['T1500', 'T1501', 'T1502', 'T1503'],
  T16: ['T1600', 'T1601', 'T1602', 'T1603'],
  T17: ['T1700', 'T1701'],
  T18: ['T1800', 'T1801'],
  T19: ['T1900'],
  T20: ['T2000', 'T2001', 'T2002', 'T2003', 'T2004'],
  T21: ['T2101', 'T2102', 'T2103', 'T2104', 'T2105', 'T2106', 'T2107', 'T2108', 'T2109', 'T2110', 'T2111'].concat([
    'T2112',
    'T2113',
  ]),
  T22: ['T2201'],
  T30: ['T3000'],
  T50: ['T5000', 'T5001'],
  T97: ['T9700', 'T9701', 'T9702'],
  T98: ['T9800'],
  T99: ['T9900'],
}

const kindOf = (t: Treatment): string => ('post' in t ? t.post : 'book' in t ? t.book : `skip:${t.skip}`)
const treatment = (code: string): string => kindOf(eventCode(code)!.treatment)

describe("PayPal's T-code table", () => {
  it('has exactly the documented codes, each with a treatment and a description', () => {
    const documented = Object.values(DOCUMENTED).flat().sort()
    expect(Object.keys(EVENT_CODES).sort()).toEqual(documented)
    for (const code of documented) expect(eventCode(code)?.description.length).toBeGreaterThan(0)
  })

  it('an undocumented code has no entry (the row is then skipped as unknown_code)', () => {
    for (const code of ['T0020', 'T1206', 'T9999', 'toString', '__proto__']) expect(eventCode(code)).toBeNull()
  })

  // Whole groups whose PayPal heading says what they are.
  it.each([
    ['T01', 'fee'], // non-payment-related fees
    ['T03', 'payout'], // bank deposit into the PayPal account
    ['T04', 'payout'], // bank withdrawal from the PayPal account
    ['T17', 'payout'], // withdrawal to a non-bank institution
    ['T02', 'adjustment'], // currency conversion
    ['T08', 'adjustment'], // bonus
    ['T13', 'skip:authorization'],
    ['T15', 'skip:hold'], // hold for dispute or other investigation
    ['T21', 'skip:hold'], // reserves and releases
  ])('every %s code is %s', (group, expected) => {
    for (const code of DOCUMENTED[group]!) expect(`${code} ${treatment(code)}`).toBe(`${code} ${expected}`)
  })

  it.each([
    ['T0006', 'payment'], // PayPal Checkout APIs
    ['T1107', 'refund'], // payment refund initiated by the merchant
    ['T0106', 'fee'], // chargeback processing fee
    ['T1108', 'fee'], // fee reversal
    ['T1110', 'skip:hold'], // hold for dispute investigation
    ['T1111', 'skip:hold'], // cancellation of a hold for dispute resolution
    ['T1106', 'skip:dispute_movement'], // payment reversal by PayPal: the disputes API has the outcome
    ['T1201', 'skip:dispute_movement'], // chargeback
    ['T1202', 'skip:dispute_movement'], // chargeback reversal
    ['T1205', 'adjustment'], // reimbursement of a chargeback: PayPal's money, the dispute stays lost
    ['T1101', 'payout'], // reversal of an ACH withdrawal
    ['T9800', 'skip:display_only'],
  ])('%s is %s', (code, expected) => expect(treatment(code)).toBe(expected))
})
