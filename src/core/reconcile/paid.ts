import type {Money} from '../transaction.js'
import type {Context} from './context.js'
import {dateOf, type Conversion} from './convert.js'

/** What one payment paid after its refunds and disputes, and that amount in the invoice's currency. */
export interface Paid {
  payment: number
  /** amount - refunds - open or lost disputes, in the payment's currency. */
  net: Money
  /** The net in the invoice's currency; null when the currencies differ and no rate exists for the payment's date. */
  inCurrency: Money | null
  fx: Conversion | null
}

export function netOf(p: number, ctx: Context): Money {
  return {minor: ctx.nets[p]!, currency: ctx.facts.payments[p]!.amount.currency}
}

/** The payment's net in `currency`, converted at the rate of the payment's date when the currencies differ. */
export function paidIn(p: number, currency: string, ctx: Context): Paid {
  const net = netOf(p, ctx)
  if (net.currency === currency) return {payment: p, net, inCurrency: net, fx: null}
  if (net.minor === 0) return {payment: p, net, inCurrency: {minor: 0, currency}, fx: null}
  const fx = ctx.opts.convert(net, currency, dateOf(ctx.facts.payments[p]!.occurredAt))
  return {payment: p, net, inCurrency: fx?.amount ?? null, fx}
}
