import type {Money, NormalizedTxn} from '../../core/transaction.js'
import {buildTxn, decimalMoney, Refusal, type Translation, type TxnFields} from '../translate-kit.js'
import {facts} from './facts.js'
import type {PaypalMoney} from './schema.js'
import {paypalTimeToIso} from './time.js'

/** What every PayPal translation (search rows, disputes, webhook resources) shares. */
export interface TranslateContext {
  /** The provider id (connection name): NormalizedTxn.id is `${provider}:${externalId}`. */
  provider: string
}

export type Status = NormalizedTxn['status']
export type Failure = NonNullable<NormalizedTxn['failure']>

/** The failure code of a denied payment: the transaction search and a declined capture give no reason. */
export const DENIED_FAILURE_CODE = 'PAYMENT_DENIED'

/** ISO-minor money with PayPal's sign kept: the effect on the merchant's PayPal balance (credit positive). */
export function signedMoney(m: PaypalMoney, field: string): Money {
  return decimalMoney(m.value, m.currency_code, facts.wire, `${field}.value`)
}

/** Absolute ISO-minor money, for objects whose direction their type already says. */
export function money(m: PaypalMoney, field: string): Money {
  const parsed = signedMoney(m, field)
  return {minor: Math.abs(parsed.minor), currency: parsed.currency}
}

/** The opposite amount; never -0, which would print as "-0.00". */
export function negated(m: Money): Money {
  return {minor: m.minor === 0 ? 0 : -m.minor, currency: m.currency}
}

export function time(value: string, field: string): string {
  const iso = paypalTimeToIso(value)
  if (iso === null)
    throw new Refusal('invalid_payload', `${field}: ${JSON.stringify(value)} is not an RFC 3339 timestamp`)
  return iso
}

export const finish = (ctx: TranslateContext, raw: unknown, externalId: string, build: () => TxnFields): Translation =>
  buildTxn({provider: ctx.provider, kind: facts.kind}, raw, externalId, build)

/** The string at `path` inside a raw object, or null: search rows and disputes nest their id. */
export function idAt(raw: unknown, ...path: string[]): string | null {
  let v: unknown = raw
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined
  return typeof v === 'string' && v.length > 0 ? v : null
}

export function compact(entries: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && v !== '') out[k] = v
  return out
}
