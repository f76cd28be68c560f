/**
 * Every transaction event code (T-code) PayPal documents for the transaction search, and what yms-pay does with
 * a row that carries it (docs/gateways.md#paypal-transaction-search). Source: PayPal's "Transaction event codes"
 * page, https://developer.paypal.com/docs/transaction-search/transaction-event-codes/ (the T-code tables, T00nn
 * to T99nn); the descriptions below are short forms of PayPal's. A code is `T<event group><event type>`; PayPal
 * signs `transaction_amount` by direction relative to the account (credit positive, debit negative).
 *
 * Treatments:
 * - `payment`: a customer's payment when it credits the account; when it debits it (money the merchant sent),
 *   a merchant-level adjustment.
 * - `refund`: returns a customer's payment to the customer; names the payment in `paypal_reference_id`.
 * - `fee` / `payout` / `adjustment`: a merchant-level booking (money between PayPal and the merchant).
 * - `skip`: seen, counted and listed, never posted, for the reason given.
 * A code missing from this table is skipped as `unknown_code`, so a new code PayPal introduces is visible in the
 * sync run's counts instead of silently posted or dropped.
 */
export type Booking = 'fee' | 'payout' | 'adjustment'

/** Why a documented code is not posted. */
export type SkipReason = 'dispute_movement' | 'hold' | 'authorization' | 'display_only'

export type Treatment = {post: 'payment'} | {post: 'refund'} | {book: Booking} | {skip: SkipReason}

export interface EventCode {
  description: string
  treatment: Treatment
}

const payment: Treatment = {post: 'payment'}
const refund: Treatment = {post: 'refund'}
const fee: Treatment = {book: 'fee'}
const payout: Treatment = {book: 'payout'}
const adjustment: Treatment = {book: 'adjustment'}
// Chargebacks and their reversals: the disputes API has the dispute and its outcome, which yms-pay posts.
const disputeMovement: Treatment = {skip: 'dispute_movement'}
// Moves funds between the available and held parts of the account's balance; the held funds are still the
// merchant's, and a dispute hold is represented by the dispute itself.
const hold: Treatment = {skip: 'hold'}
const authorization: Treatment = {skip: 'authorization'}

const table: Record<string, [string, Treatment]> = {
  // T00nn: PayPal account-to-PayPal account payments.
  T0000: ['general payment of a type not in the other T00nn codes', payment],
  T0001: ['MassPay payment', adjustment],
  T0002: ['subscription payment, sent or received', payment],
  T0003: ['pre-approved payment (BillUser API), sent or received', payment],
  T0004: ['eBay auction payment', payment],
  T0005: ['Direct Payment API payment', payment],
  T0006: ['PayPal Checkout APIs payment', payment],
  T0007: ['Website Payments Standard payment', payment],
  T0008: ['postage payment to a carrier', adjustment],
  T0009: ['gift certificate payment (purchase of a gift certificate)', payment],
  T0010: ['third-party auction payment', payment],
  T0011: ['mobile payment', payment],
  T0012: ['virtual terminal payment', payment],
  T0013: ['donation payment', payment],
  T0014: ['rebate payment', adjustment],
  T0015: ['third-party payout', adjustment],
  T0016: ['third-party recoupment', adjustment],
  T0017: ['store-to-store transfer', adjustment],
  T0018: ['PayPal Here payment', payment],
  T0019: ['generic instrument-funded payment', payment],
  T0021: ['cryptocurrency payment', payment],
  // T01nn: non-payment-related fees.
  T0100: ['general non-payment fee', fee],
  T0101: ['Website Payments Pro monthly fee', fee],
  T0102: ['foreign bank withdrawal fee', fee],
  T0103: ['WorldLink check withdrawal fee', fee],
  T0104: ['mass payment batch fee', fee],
  T0105: ['check withdrawal (fee)', fee],
  T0106: ['chargeback processing fee', fee],
  T0107: ['payment fee', fee],
  T0108: ['ATM withdrawal (fee)', fee],
  T0109: ['auto-sweep from account (fee)', fee],
  T0110: ['international credit card withdrawal (fee)', fee],
  T0111: ['warranty fee for a warranty purchase', fee],
  T0112: ['gift certificate expiration fee', fee],
  T0113: ['partner fee', fee],
  T0114: ['dispute fee', fee],
  // T02nn: currency conversion, one row per currency balance (each leg books in its own currency).
  T0200: ['general currency conversion', adjustment],
  T0201: ['user-initiated currency conversion', adjustment],
  T0202: ['currency conversion covering a negative balance', adjustment],
  // T03nn: bank deposits into the PayPal account (money back from the merchant's bank: a negative payout).
  T0300: ['general funding of the PayPal account', payout],
  T0301: ['balance manager funding of the PayPal account', payout],
  T0302: ['ACH funding for funds recovery from the account balance', payout],
  T0303: ['electronic funds transfer (EFT)', payout],
  // T04nn: bank withdrawals from the PayPal account.
  T0400: ['general withdrawal from the PayPal account', payout],
  T0401: ['AutoSweep', payout],
  T0403: ['transfer from the PayPal balance to the bank account', payout],
  // T05nn: PayPal debit card.
  T0500: ['general PayPal debit card transaction', adjustment],
  T0501: ['virtual PayPal debit card transaction', adjustment],
  T0502: ['PayPal debit card withdrawal to an ATM', adjustment],
  T0503: ['hidden virtual PayPal debit card transaction', adjustment],
  T0504: ['PayPal debit card cash advance', adjustment],
  T0505: ['PayPal debit authorization', authorization],
  // T06nn, T07nn: credit card withdrawal and deposit.
  T0600: ['general credit card withdrawal', adjustment],
  T0700: ['general credit card deposit', adjustment],
  T0701: ['credit card deposit for a negative balance', adjustment],
  // T08nn: bonus.
  T0800: ['general bonus', adjustment],
  T0801: ['debit card cash back bonus', adjustment],
  T0802: ['merchant referral account bonus', adjustment],
  T0803: ['balance manager account bonus', adjustment],
  T0804: ['PayPal buyer warranty bonus', adjustment],
  T0805: ['PayPal protection bonus', adjustment],
  T0806: ['bonus for first ACH use', adjustment],
  T0807: ['credit card security charge refund', adjustment],
  T0808: ['credit card cash back bonus', adjustment],
  // T09nn: incentive.
  T0900: ['general incentive or certificate redemption', adjustment],
  T0901: ['gift certificate redemption', adjustment],
  T0902: ['points incentive redemption', adjustment],
  T0903: ['coupon redemption', adjustment],
  T0904: ['eBay loyalty incentive', adjustment],
  T0905: ['offers used as funding source', adjustment],
  // T10nn: bill pay.
  T1000: ['bill pay transaction', adjustment],
  // T11nn: reversals.
  T1100: ['general reversal', adjustment],
  T1101: ['reversal of an ACH withdrawal', payout],
  T1102: ['reversal of a debit card transaction', adjustment],
  T1103: ['reversal of points usage', adjustment],
  T1104: ['reversal of an ACH deposit', payout],
  T1105: ['reversal of a general account hold', hold],
  T1106: ['payment reversal initiated by PayPal (completion of a chargeback)', disputeMovement],
  T1107: ['payment refund initiated by the merchant', refund],
  T1108: ['fee reversal', fee],
  T1109: ['fee refund', fee],
  T1110: ['hold for dispute investigation', hold],
  T1111: ['cancellation of a hold for dispute resolution', hold],
  T1112: ['MAM reversal', adjustment],
  T1113: ['non-reference credit payment', adjustment],
  T1114: ['MassPay reversal', adjustment],
  T1115: ['MassPay refund', adjustment],
  T1116: ['instant payment review (IPR) reversal', refund],
  T1117: ['rebate or cash back reversal', adjustment],
  T1118: ['generic instrument / Open Wallet reversal, seller side', refund],
  T1119: ['generic instrument / Open Wallet reversal, buyer side', adjustment],
  // T12nn: adjustments.
  T1200: ['general account adjustment', adjustment],
  T1201: ['chargeback', disputeMovement],
  T1202: ['chargeback reversal', disputeMovement],
  T1203: ['charge-off adjustment', adjustment],
  T1204: ['incentive adjustment', adjustment],
  T1205: ['reimbursement of a chargeback', adjustment],
  T1207: ['chargeback re-presentment rejection', disputeMovement],
  T1208: ['chargeback cancellation', disputeMovement],
  // T13nn: authorizations (PayPal: in the transaction detail report, not the settlement report).
  T1300: ['general authorization', authorization],
  T1301: ['reauthorization', authorization],
  T1302: ['void of an authorization', authorization],
  // T14nn: dividend.
  T1400: ['general dividend', adjustment],
  // T15nn: holds for a dispute or another investigation.
  T1500: ['general temporary hold', hold],
  T1501: ['account hold for an open authorization', hold],
  T1502: ['account hold for an ACH deposit', hold],
  T1503: ['temporary hold on the available balance', hold],
  // T16nn: buyer credit deposit.
  T1600: ['PayPal buyer credit payment funding', adjustment],
  T1601: ['BML credit (transfer from BML)', adjustment],
  T1602: ['buyer credit payment', adjustment],
  T1603: ['buyer credit payment withdrawal (transfer to BML)', adjustment],
  // T17nn: withdrawals to a non-bank institution.
  T1700: ['general withdrawal to a non-bank institution', payout],
  T1701: ['WorldLink withdrawal', payout],
  // T18nn: buyer credit withdrawal.
  T1800: ['general buyer credit payment', adjustment],
  T1801: ['BML withdrawal (transfer to BML)', adjustment],
  // T19nn: account correction.
  T1900: ['general adjustment without a business-related event', adjustment],
  // T20nn: transfers from this PayPal account to another.
  T2000: ['general intra-account transfer', adjustment],
  T2001: ['settlement consolidation', adjustment],
  T2002: ['transfer of funds from a payable', adjustment],
  T2003: ['transfer to an external GL entity', adjustment],
  T2004: ['receivables financing', adjustment],
  // T21nn: reserves and releases.
  T2101: ['general hold', hold],
  T2102: ['general hold release', hold],
  T2103: ['reserve hold', hold],
  T2104: ['reserve release', hold],
  T2105: ['payment review hold', hold],
  T2106: ['payment review release', hold],
  T2107: ['payment hold', hold],
  T2108: ['payment hold release', hold],
  T2109: ['gift certificate purchase (held)', hold],
  T2110: ['gift certificate redemption (released)', hold],
  T2111: ['funds not yet available', hold],
  T2112: ['funds available', hold],
  T2113: ['blocked payments', hold],
  // T22nn: transfers.
  T2201: ['transfer to and from a credit-card-funded restricted balance', hold],
  // T30nn: generic instrument and Open Wallet.
  T3000: ['generic instrument / Open Wallet transaction', adjustment],
  // T50nn: collections and disbursements.
  T5000: ['deferred disbursement (funds collected for disbursement)', hold],
  T5001: ['delayed disbursement (funds disbursed)', hold],
  // T97nn: payables and receivables.
  T9700: ['account receivable for shipping', adjustment],
  T9701: ['funds payable (PayPal-provided funds to be paid back)', adjustment],
  T9702: ['funds receivable (PayPal-provided funds being paid back)', adjustment],
  // T98nn, T99nn.
  T9800: ['display-only transaction', {skip: 'display_only'}],
  T9900: ['other', adjustment],
}

export const EVENT_CODES: Readonly<Record<string, EventCode>> = Object.fromEntries(
  Object.entries(table).map(([code, [description, treatment]]) => [code, {description, treatment}]),
)

/** The documented entry for a code, or null for a code PayPal's table does not list. */
export function eventCode(code: string): EventCode | null {
  return Object.hasOwn(EVENT_CODES, code) ? EVENT_CODES[code]! : null
}
