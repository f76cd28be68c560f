import type {Money} from '../../core/transaction.js'
import {PROFILES} from '../fees.js'
import type {ScenarioPayment, ScenarioRefund} from '../model.js'

/**
 * The part of a payment's fee PayPal gives back when the merchant refunds it, or null when it gives none back
 * (docs/gateways.md#paypal-transaction-search). Where PayPal credits refunds, it returns the variable part of the
 * fee in proportion to the amount refunded and keeps the fixed part ("When you issue a partial refund, we credit a
 * percentage of the variable transaction fee, based on the amount of the refund. Fixed fees … are not
 * refundable": https://www.paypal.com/ca/smarthelp/article/faq1672). In the US it keeps the whole fee ("the fees
 * you originally paid as the seller are not returned to you":
 * https://developer.paypal.com/api/nvp-soap/refund-transaction-nvp/). The sandbox's USD account gets nothing back
 * and its other currencies get the variable share, so both kinds of refund row are served.
 */
export function refundFeeReturned(payment: ScenarioPayment, refund: ScenarioRefund): Money | null {
  const {currency} = payment.amount
  const profile = PROFILES[currency]
  if (currency === 'USD' || !profile || payment.amount.minor <= 0) return null
  const variable = Math.max(0, payment.fee.minor - profile.fixedFee)
  // variable * refunded / amount, rounded down to the currency's step (BigInt: no float on money).
  const share = Number((BigInt(variable) * BigInt(refund.amount.minor)) / BigInt(payment.amount.minor))
  const minor = Math.floor(share / profile.step) * profile.step
  return minor > 0 ? {minor, currency} : null
}
