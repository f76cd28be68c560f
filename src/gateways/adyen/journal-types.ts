import type {NormalizedTxn} from '../../core/transaction.js'

/**
 * Every journal type Adyen documents for the settlement details report's `Type` column, and what yms-pay does with
 * it (docs/gateways.md#adyen-settlement-reports): a customer's transaction, or a merchant-level booking (money
 * between Adyen and the merchant, no customer: issue 15's convention). A type missing here is skipped and counted
 * as 'unknown_code' (report.ts), never quarantined.
 *
 * Sources: the report structure's list of `Type` values and the journal types page (docs.adyen.com, Settlement
 * detail report structure / Journal types), the balance transfers page (docs.adyen.com/reporting/balance-transfers)
 * and the merchant payout details sheet (PaymentCost). The `side` Adyen gives each type is checked on customer
 * rows; merchant-level rows take their sign from the side they are on.
 */
export type Side = 'debit' | 'credit'

export interface CustomerJournal {
  kind: 'customer'
  type: 'payment' | 'refund' | 'dispute'
  status: NormalizedTxn['status']
  side: Side
}

export interface MerchantJournal {
  kind: 'merchant'
  booking: 'fee' | 'payout' | 'adjustment'
}

export type JournalTreatment = CustomerJournal | MerchantJournal

const customer = (type: CustomerJournal['type'], status: CustomerJournal['status'], side: Side): CustomerJournal => ({
  kind: 'customer',
  type,
  status,
  side,
})
const merchant = (booking: MerchantJournal['booking']): MerchantJournal => ({kind: 'merchant', booking})

export const JOURNAL_TYPES: Readonly<Record<string, JournalTreatment>> = {
  // Customer transactions. Adyen books no row when a first chargeback's defence finally fails: that `lost`
  // comes by webhook; SecondChargeback is the unsuccessful defence of a first chargeback.
  Settled: customer('payment', 'succeeded', 'credit'),
  Refunded: customer('refund', 'succeeded', 'debit'),
  // "A refund that is returned to our account as it can not be credited to the shopper": the refund did not
  // happen, as the REFUNDED_REVERSED webhook says (translate.ts).
  RefundedReversed: customer('refund', 'failed', 'credit'),
  Chargeback: customer('dispute', 'disputed', 'debit'),
  ChargebackReversed: customer('dispute', 'won', 'credit'),
  SecondChargeback: customer('dispute', 'lost', 'debit'),

  // Fees Adyen charges the merchant (debit) or returns (credit).
  Fee: merchant('fee'), // transaction fees of the batch period, one row per month
  MiscCosts: merchant('fee'), // costs not matched with a transaction
  AuthorisationSchemeFee: merchant('fee'), // separate fees charged for authorisations
  PaymentCost: merchant('fee'), // a payment's extra cost (Klarna late return fee, ELO arbitration); names the payment
  InvoiceDeduction: merchant('fee'), // Adyen's monthly invoice, deducted from (or credited to) the account

  // Money paid out to the merchant's bank account (debit), or coming back from it (credit).
  MerchantPayout: merchant('payout'),
  BankInstructionReturned: merchant('payout'), // a payout the bank did not process or returned

  // Everything else that changes the merchant's balance at Adyen.
  Balancetransfer: merchant('adjustment'), // one leg of a balance moved to the next batch or from the previous one
  DepositCorrection: merchant('adjustment'), // security deposit withheld (debit) or released (credit)
  MatchedStatement: merchant('adjustment'), // a wire transfer from the merchant booked in the account
  ManualCorrected: merchant('adjustment'), // a manual booking by Adyen
  InternalCompanyPayout: merchant('adjustment'), // split settlements between the company's accounts
  PaidOut: merchant('adjustment'), // a payout to a third party (not a yms-pay customer transaction)
  PaidOutReversed: merchant('adjustment'), // such a payout returned
  EpaPaid: merchant('adjustment'), // listed without a description: booked by its side (unconfirmed)
}

export function journalTreatment(type: string): JournalTreatment | null {
  return Object.hasOwn(JOURNAL_TYPES, type) ? JOURNAL_TYPES[type]! : null
}
