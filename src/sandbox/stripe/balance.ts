import {fromGatewayMinor} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import {facts} from '../../gateways/stripe/facts.js'
import {BalanceSheet, type ProcessorBalance} from '../balance.js'
import type {StripeWorld} from './world.js'

type Json = Record<string, unknown>

const iso = (amount: unknown, currency: unknown): Money =>
  fromGatewayMinor(amount as number, String(currency).toUpperCase(), facts.wire)

/**
 * The Stripe balance at `nowMs`, read from the balance transactions the emulator serves: each succeeded charge's
 * (net of its fee), each refund's (the amount; Stripe keeps the charge's fee), each dispute's withdrawal and
 * reinstatement (with any dispute fee).
 */
export function stripeBalance(world: StripeWorld, nowMs: number): ProcessorBalance[] {
  const sheet = new BalanceSheet()
  const bookTxn = (bt: Json) => sheet.book(iso(bt.net, bt.currency), iso(bt.fee, bt.currency))
  for (const e of world.charges) {
    if (e.atMs > nowMs || world.renderCharge(e.payment, nowMs).status !== 'succeeded') continue
    bookTxn(world.renderBalanceTransaction(e.payment, nowMs))
  }
  for (const e of world.refunds) {
    if (e.atMs > nowMs) continue
    const refund = world.renderRefund(e.payment, e.refund)
    if (refund.status !== 'succeeded') continue
    const amount = iso(refund.amount, refund.currency)
    sheet.book({minor: 0 - amount.minor, currency: amount.currency})
  }
  for (const e of world.disputes) {
    if (e.atMs > nowMs) continue
    for (const bt of world.renderDispute(e.payment, nowMs).balance_transactions as Json[]) bookTxn(bt)
  }
  return sheet.balances()
}
