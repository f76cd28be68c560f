import {checkedParse, isInt, isStringRecord} from './checked-parse.js'
import {
  isMerchantBooking,
  type Money,
  type NormalizedTxn,
  NormalizedTxnSchema,
  TXN_STATUSES,
  TXN_TYPES,
} from './transaction.js'

const TYPES: ReadonlySet<unknown> = new Set(TXN_TYPES)
const STATUSES: ReadonlySet<unknown> = new Set(TXN_STATUSES)
// The schema's own patterns (transaction.ts): the check must never accept what they refuse.
const CURRENCY = /^[A-Z]{3}$/
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/

/** NormalizedTxnSchema's verdict; a translation's result in the common shape is checked by hand (checked-parse.ts). */
export function parseNormalizedTxn(value: unknown) {
  return checkedParse(NormalizedTxnSchema, fitsNormalizedTxn, value)
}

/**
 * The common shape, exactly as the schema would return it: its keys only, in its order (what is stored is this
 * object serialized), no failure (a failure's optional fields are left to the schema), and the schema's refinement.
 */
export function fitsNormalizedTxn(value: unknown): value is NormalizedTxn {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false
  const t = value as Record<string, unknown>
  let i = 0
  for (const key in t) if (key !== KEYS[i++]) return false
  if (i !== KEYS.length) return false
  return (
    typeof t.id === 'string' &&
    typeof t.provider === 'string' &&
    isNonEmpty(t.kind) &&
    isNonEmpty(t.externalId) &&
    (t.parentExternalId === null || isNonEmpty(t.parentExternalId)) &&
    TYPES.has(t.type) &&
    STATUSES.has(t.status) &&
    isMoney(t.amount) &&
    (t.fee === null || isMoney(t.fee)) &&
    (t.net === null || isMoney(t.net)) &&
    isNullableString(t.customerRef) &&
    isNullableString(t.invoiceRef) &&
    isNullableString(t.siteRef) &&
    t.failure === null &&
    typeof t.occurredAt === 'string' &&
    ISO_UTC.test(t.occurredAt) &&
    typeof t.updatedAt === 'string' &&
    ISO_UTC.test(t.updatedAt) &&
    isStringRecord(t.metadata) &&
    (isMerchantBooking(t.type as NormalizedTxn['type']) ? t.customerRef === null : (t.amount as Money).minor >= 0)
  )
}

const KEYS = Object.keys(NormalizedTxnSchema.shape)

function isMoney(value: unknown): value is Money {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false
  let i = 0
  for (const key in value) if (key !== MONEY_KEYS[i++]) return false
  const m = value as Record<string, unknown>
  return i === 2 && isInt(m.minor) && typeof m.currency === 'string' && CURRENCY.test(m.currency)
}

const MONEY_KEYS = ['minor', 'currency']

function isNonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string'
}
