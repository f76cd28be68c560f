import type {Money} from '../../core/transaction.js'
import {Refusal, type TxnFields} from '../translate-kit.js'
import type {MerchantJournal, Side} from './journal-types.js'
import {cell, grossAmount, netAmount, type Row, type RowSource, rowTime} from './report-row.js'

/**
 * A settlement details report row that is a merchant-level booking (journal-types.ts): money between Adyen and the
 * merchant, no customer (issue 15's convention, docs/gateways.md#adyen-settlement-reports).
 *
 * Identity: such rows repeat their Modification Reference ("Transaction Fees", "Deposit Correction", and
 * "Balancetransfer" on both legs of one transfer), so a row is its batch and its line: `batch-<n>-line-<l>`. A
 * batch's file never changes once generated, so a re-read names the same rows the same way.
 *
 * Amount: the net amount (the effect on the merchant's balance at Adyen), signed from the merchant's side:
 * - fee: a debit is a fee charged (> 0), a credit a fee returned (< 0);
 * - payout: a debit is money paid out to the bank (> 0), a credit money returned from it (< 0);
 * - adjustment: a credit raises the balance (> 0), a debit lowers it (< 0).
 */
export function merchantRowId(source: Pick<RowSource, 'batch' | 'line'>): string {
  return `batch-${source.batch}-line-${source.line}`
}

const POSITIVE_SIDE: Readonly<Record<MerchantJournal['booking'], Side>> = {
  fee: 'debit',
  payout: 'debit',
  adjustment: 'credit',
}

export function merchantRowFields(row: Row, journal: MerchantJournal, source: RowSource): TxnFields {
  const recordType = cell(row, 'Type')
  // Merchant-level rows often carry only net amounts; gross is read only when net is absent.
  const amount = netAmount(row) ?? grossAmount(row)
  if (!amount) throw new Refusal('invalid_payload', `${recordType} row has no net or gross amount`)
  const occurredAt = rowTime(row)
  const psp = cell(row, 'Psp Reference')
  const metadata: Record<string, string> = {
    yms_booking: recordType,
    recordType,
    reportFile: source.file,
    reportLine: String(source.line),
    direction: amount.side,
  }
  for (const [key, column] of [
    ['modificationReference', 'Modification Reference'],
    ['modificationMerchantReference', 'Modification Merchant Reference'],
    ['merchantReference', 'Merchant Reference'],
    ['batchNumber', 'Batch Number'],
  ] as const) {
    const value = cell(row, column)
    if (value !== '') metadata[key] = value
  }
  return {
    externalId: merchantRowId(source),
    // The payment a PaymentCost (or a fee) concerns, when the row names one: informational, never an owner.
    parentExternalId: psp || null,
    type: journal.booking,
    status: 'succeeded',
    amount: signed(amount.money, amount.side === POSITIVE_SIDE[journal.booking]),
    customerRef: null,
    invoiceRef: null,
    siteRef: null,
    occurredAt,
    metadata,
  }
}

/** A zero amount stays +0 on either side: a negative zero would print as -0.00. */
function signed(money: Money, positive: boolean): Money {
  return {minor: positive || money.minor === 0 ? money.minor : -money.minor, currency: money.currency}
}
