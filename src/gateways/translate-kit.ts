import type {z} from 'zod'

import {isSupportedCurrency} from '../core/currency.js'
import {MoneyError} from '../core/errors.js'
import {fromGatewayMinor, parseGatewayDecimal} from '../core/money.js'
import {
  type FetchedTxn,
  type Money,
  type NormalizedTxn,
  type Quarantined,
  type QuarantineReason,
} from '../core/transaction.js'
import {parseNormalizedTxn} from '../core/txn-shape.js'
import type {CurrencyWire} from '../core/wire-rule.js'

/**
 * What every gateway's translate.ts builds on: one result type, one way to refuse a field, money read through
 * the gateway's currency rules, and one validation of the finished NormalizedTxn. A translation never throws
 * for bad input: anything that does not validate comes back quarantined with the raw object.
 */
export type Translation = {ok: true; item: FetchedTxn} | {ok: false; item: Quarantined}

/** Thrown inside a translation to quarantine the object with this reason; caught by `buildTxn`. */
export class Refusal extends Error {
  constructor(
    readonly reason: QuarantineReason,
    readonly detail: string,
  ) {
    super(detail)
  }
}

/** Who is translating: NormalizedTxn.id is `${provider}:${externalId}`. */
export interface TranslateScope {
  provider: string
  kind: string
}

/** The fields a translation decides; the rest default to null / the occurrence time / no metadata. */
export type TxnFields = Pick<
  NormalizedTxn,
  'externalId' | 'parentExternalId' | 'type' | 'status' | 'amount' | 'occurredAt'
> &
  Partial<
    Pick<NormalizedTxn, 'fee' | 'net' | 'customerRef' | 'invoiceRef' | 'siteRef' | 'failure' | 'updatedAt' | 'metadata'>
  >

/** Runs `build`, turns a Refusal into a quarantined item, and validates the result against NormalizedTxnSchema (txn-shape.ts). */
export function buildTxn(
  scope: TranslateScope,
  raw: unknown,
  externalId: string | null,
  build: () => TxnFields,
): Translation {
  let f: TxnFields
  try {
    f = build()
  } catch (error) {
    if (error instanceof Refusal)
      return {ok: false, item: {externalId, reason: error.reason, detail: error.detail, raw}}
    throw error
  }
  const parsed = parseNormalizedTxn({
    id: `${scope.provider}:${f.externalId}`,
    provider: scope.provider,
    kind: scope.kind,
    externalId: f.externalId,
    parentExternalId: f.parentExternalId,
    type: f.type,
    status: f.status,
    amount: f.amount,
    fee: f.fee ?? null,
    net: f.net ?? null,
    customerRef: f.customerRef ?? null,
    invoiceRef: f.invoiceRef ?? null,
    siteRef: f.siteRef ?? null,
    failure: f.failure ?? null,
    occurredAt: f.occurredAt,
    updatedAt: f.updatedAt ?? f.occurredAt,
    metadata: f.metadata ?? {},
  })
  if (!parsed.success)
    return {
      ok: false,
      item: {
        externalId: f.externalId || externalId,
        reason: 'invalid_payload',
        detail: describeIssues(parsed.error),
        raw,
      },
    }
  return {ok: true, item: {txn: parsed.data, raw}}
}

/** An object that failed its gateway schema: quarantined under its id (by default its `id` field) when it has one. */
export function invalidShape(raw: unknown, what: string, detail: string, externalId = externalIdOf(raw)): Translation {
  return {ok: false, item: {externalId, reason: 'invalid_payload', detail: `${what}: ${detail}`, raw}}
}

/** The object's `id` field as text (some gateways send numeric ids), or null. */
function externalIdOf(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null
  const id = (raw as {id?: unknown}).id
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id)
  return typeof id === 'string' && id.length > 0 ? id : null
}

/** A gateway's integer amount in its own exponent -> ISO minor units, or a Refusal naming the field. */
export function wireMoney(amount: number, currency: string, wire: CurrencyWire, field: string): Money {
  return refuseMoneyErrors(() => fromGatewayMinor(amount, currency, wire, field), currency, field)
}

/** A gateway's decimal string -> ISO minor units, or a Refusal naming the field. */
export function decimalMoney(value: string, currency: string, wire: CurrencyWire, field: string): Money {
  return refuseMoneyErrors(() => parseGatewayDecimal(value, currency, wire, field), currency, field)
}

function refuseMoneyErrors(read: () => Money, currency: string, field: string): Money {
  // A currency we cannot hold is its own quarantine reason: an admin fixes it differently from a bad amount.
  if (!isSupportedCurrency(currency))
    throw new Refusal(
      'unsupported_currency',
      `${field}: currency ${JSON.stringify(currency)} is not a supported ISO 4217 code`,
    )
  try {
    return read()
  } catch (error) {
    if (error instanceof MoneyError) throw new Refusal('invalid_payload', error.message)
    throw error
  }
}

/** Zod issues as `path: message; …`, the first few only: enough to name the field that drifted. */
export function describeIssues(error: z.ZodError, max = 5): string {
  return error.issues
    .slice(0, max)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ')
}

/** Sorts a translation into a page's items or its quarantined objects. */
export function collect(t: Translation, into: {items: FetchedTxn[]; invalid: Quarantined[]}): Translation {
  if (t.ok) into.items.push(t.item)
  else into.invalid.push(t.item)
  return t
}
