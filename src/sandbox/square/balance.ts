import {fromGatewayMinor} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import {facts} from '../../gateways/square/facts.js'
import {BalanceSheet, type ProcessorBalance} from '../balance.js'
import {paymentStateAt} from '../model.js'
import {renderDispute, renderPayment, renderRefund} from './render.js'
import type {SquareWorld} from './world.js'

type Json = Record<string, unknown>
type WireMoney = {amount: number; currency: string}

const iso = (m: WireMoney): Money => fromGatewayMinor(m.amount, m.currency, facts.wire)

/** Sum of a rendered object's processing_fee[] (a refund's is negative: the fee Square gives back). */
function feeOf(o: Json, currency: string): Money {
  const fees = (o.processing_fee as Array<{amount_money: WireMoney}> | undefined) ?? []
  return {minor: fees.reduce((sum, f) => sum + iso(f.amount_money).minor, 0), currency}
}

const neg = (m: Money): Money => ({minor: 0 - m.minor, currency: m.currency})

/**
 * What the seller's Square balance holds at `at`, read from the objects the emulator serves: completed payments
 * less their processing fees, completed refunds less the fee they give back, disputes not won.
 */
export function squareBalance(world: SquareWorld, at: string): ProcessorBalance[] {
  const sheet = new BalanceSheet()
  for (const rec of world.records) {
    const state = paymentStateAt(rec.p, at)
    if (!state.visible) continue
    const payment = renderPayment(rec, at, world.seed)
    if (payment.status === 'COMPLETED') {
      const amount = iso((payment.total_money ?? payment.amount_money) as WireMoney)
      const fee = feeOf(payment, amount.currency)
      sheet.book({minor: amount.minor - fee.minor, currency: amount.currency}, fee)
    }
    for (const r of state.refunds) {
      const refund = renderRefund(rec, r)
      if (refund.status !== 'COMPLETED') continue
      const amount = iso(refund.amount_money as WireMoney)
      const fee = feeOf(refund, amount.currency)
      sheet.book({minor: 0 - amount.minor - fee.minor, currency: amount.currency}, fee)
    }
    const dispute = renderDispute(rec, at, world.seed)
    if (dispute && dispute.state !== 'WON') sheet.book(neg(iso(dispute.amount_money as WireMoney)))
  }
  return sheet.balances()
}
