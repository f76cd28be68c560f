import {assertCurrency} from '../../core/currency.js'
import {MoneyError} from '../../core/errors.js'
import type {FetchedTxn, Money, NormalizedTxn, Quarantined} from '../../core/transaction.js'
import {decimalMoney, Refusal, type Translation, type TxnFields} from '../translate-kit.js'
import {readCsv} from './csv.js'
import {facts} from './facts.js'
import {parseMerchantReference} from './reference.js'
import {isoSeconds, wallClockToEpochMs} from './timezone.js'
import {adyenTxn, type TranslateContext} from './translate.js'

/**
 * The settlement detail report (docs/gateways.md#adyen-settlement-reports) -> transactions. Columns are read by
 * header NAME, so accounts with extra columns (Booking Date) read the same; these are the ones a row needs.
 */
const REQUIRED = [
  'Psp Reference',
  'Merchant Reference',
  'Creation Date',
  'TimeZone',
  'Type',
  'Modification Reference',
  'Gross Currency',
  'Gross Debit (GC)',
  'Gross Credit (GC)',
  'Net Currency',
  'Net Debit (NC)',
  'Net Credit (NC)',
] as const
const FEE_COLUMNS = ['Commission (NC)', 'Markup (NC)', 'Scheme Fees (NC)', 'Interchange (NC)'] as const
const METADATA_COLUMNS = [
  ['merchantReference', 'Merchant Reference'],
  ['modificationReference', 'Modification Reference'],
  ['paymentMethod', 'Payment Method'],
  ['paymentMethodVariant', 'Payment Method Variant'],
  ['batchNumber', 'Batch Number'],
  ['bookingDate', 'Booking Date'],
] as const

type Row = Record<string, string>
type Direction = 'debit' | 'credit'
interface Meaning {
  type: NormalizedTxn['type']
  status: NormalizedTxn['status']
  direction: Direction | null
}

/**
 * Record type -> normalized meaning. Card payments settle as credits, refunds and chargebacks are debits.
 * A Chargeback row is the dispute with funds withdrawn (`disputed`: Adyen books no row when a defence finally
 * fails, so the report never says `lost`); ChargebackReversed returns the funds (`won`); SecondChargeback
 * withdraws them again for good (`lost`). Fee / MerchantPayout / InvoiceDeduction / DepositCorrection are the
 * merchant account's own movements (fee / payout / adjustment), not tied to a customer. Anything else is
 * quarantined (unknown, so never silently dropped).
 */
const RECORD_TYPES: Readonly<Record<string, Meaning>> = {
  Settled: {type: 'payment', status: 'succeeded', direction: 'credit'},
  Refunded: {type: 'refund', status: 'succeeded', direction: 'debit'},
  Chargeback: {type: 'dispute', status: 'disputed', direction: 'debit'},
  ChargebackReversed: {type: 'dispute', status: 'won', direction: 'credit'},
  SecondChargeback: {type: 'dispute', status: 'lost', direction: 'debit'},
  Fee: {type: 'fee', status: 'succeeded', direction: null},
  MerchantPayout: {type: 'payout', status: 'succeeded', direction: null},
  InvoiceDeduction: {type: 'adjustment', status: 'succeeded', direction: null},
  DepositCorrection: {type: 'adjustment', status: 'succeeded', direction: null},
}

export interface ParsedReport {
  items: FetchedTxn[]
  invalid: Quarantined[]
}

/**
 * One settlement detail report file -> transactions. Good rows are kept; each bad row is quarantined with its
 * line number (1 = the header); a file without the required header quarantines as a whole.
 */
export function parseSettlementReport(ctx: TranslateContext, csv: string, fileName: string): ParsedReport {
  const out: ParsedReport = {items: [], invalid: []}
  const {rows, skipped} = readCsv(csv.replace(/^\uFEFF/, ''))
  for (const s of skipped) {
    out.invalid.push({
      externalId: null,
      reason: 'invalid_payload',
      detail: `${fileName} line ${s.line}: ${s.message}`,
      raw: {file: fileName, line: s.line, text: s.raw},
    })
  }
  const header = rows[0]?.record.map((h) => h.trim())
  if (!header) return out
  const missing = REQUIRED.filter((column) => !header.includes(column))
  if (missing.length > 0) {
    out.invalid.push({
      externalId: fileName,
      reason: 'invalid_payload',
      detail: `${fileName}: missing column(s) ${missing.join(', ')}`,
      raw: csv,
    })
    return out
  }
  for (const {record, line} of rows.slice(1)) {
    const row: Row = Object.fromEntries(header.map((name, i) => [name, record[i] ?? '']))
    const t = translateRow(ctx, row, fileName)
    if (t.ok) out.items.push(t.item)
    else
      out.invalid.push({
        ...t.item,
        detail: `${fileName} line ${line}: ${t.item.detail}`,
        raw: {file: fileName, line, row},
      })
  }
  out.invalid.sort((a, b) => lineOf(a) - lineOf(b))
  return out
}

function translateRow(ctx: TranslateContext, row: Row, fileName: string): Translation {
  const externalId = (row['Modification Reference'] || row['Psp Reference'] || '').trim() || null
  return adyenTxn(ctx, {file: fileName, row}, externalId, () => rowFields(row, fileName))
}

function rowFields(row: Row, fileName: string): TxnFields {
  const recordType = (row.Type ?? '').trim()
  const meaning = RECORD_TYPES[recordType]
  if (!meaning) throw new Refusal('invalid_payload', `unknown record Type "${recordType}"`)
  const when = wallClockToEpochMs(row['Creation Date'] ?? '', row.TimeZone ?? '')
  if (when === null) {
    throw new Refusal(
      'invalid_payload',
      `Creation Date "${row['Creation Date'] ?? ''}" in TimeZone "${row.TimeZone ?? ''}" is not a time this parser understands`,
    )
  }
  const {amount, net, fee} = rowAmounts(row, recordType, meaning)
  const metadata: Record<string, string> = {recordType, reportFile: fileName}
  if (amount.direction) metadata.direction = amount.direction
  for (const [key, column] of METADATA_COLUMNS) {
    const value = (row[column] ?? '').trim()
    if (value !== '') metadata[key] = value
  }
  return {
    ...rowIdentity(row, recordType, meaning),
    type: meaning.type,
    status: meaning.status,
    amount: amount.money,
    fee,
    net,
    occurredAt: isoSeconds(when),
    metadata,
  }
}

/** Gross (or, for the merchant's own movements, net) amount with its direction; net; fee = the fee columns' sum. */
function rowAmounts(
  row: Row,
  recordType: string,
  meaning: Meaning,
): {amount: {money: Money; direction: Direction}; net: Money | null; fee: Money | null} {
  const netCurrency = currencyOf(row, 'Net Currency')
  const net = netCurrency ? sided(row, 'Net Debit (NC)', 'Net Credit (NC)', netCurrency) : null
  const grossCurrency = currencyOf(row, 'Gross Currency')
  const gross = grossCurrency ? sided(row, 'Gross Debit (GC)', 'Gross Credit (GC)', grossCurrency) : null
  // Merchant-level rows (fees, payouts) may carry only net amounts.
  const amount = gross ?? (meaning.direction === null ? net : null)
  if (!amount) throw new Refusal('invalid_payload', `${recordType} row has no gross amount`)
  if (meaning.direction && amount.direction !== meaning.direction) {
    throw new Refusal('invalid_payload', `${recordType} row is a ${amount.direction}; expected a ${meaning.direction}`)
  }
  // null when the row reports no fee column at all, so "no fee reported" differs from a zero fee.
  let feeMinor: number | null = null
  for (const column of FEE_COLUMNS) {
    const part = netCurrency ? amountIn(row, column, netCurrency) : null
    if (part) feeMinor = (feeMinor ?? 0) + part.minor
  }
  const fee = feeMinor === null || !netCurrency ? null : {minor: feeMinor, currency: netCurrency}
  return {amount, net: net?.money ?? null, fee}
}

/** Which object the row is about, and for a payment whose customer and invoice (from the merchant reference). */
function rowIdentity(
  row: Row,
  recordType: string,
  meaning: Meaning,
): Pick<TxnFields, 'externalId' | 'parentExternalId' | 'customerRef' | 'invoiceRef'> {
  const psp = (row['Psp Reference'] ?? '').trim()
  const modification = (row['Modification Reference'] ?? '').trim()
  if (meaning.type === 'payment') {
    // Psp Reference is the payment; a Settled row's Modification Reference is the capture, not the payment.
    if (!psp) throw new Refusal('invalid_payload', 'Settled row without Psp Reference')
    const ref = parseMerchantReference(row['Merchant Reference'])
    return {
      externalId: psp,
      parentExternalId: null,
      customerRef: ref?.customerRef ?? null,
      invoiceRef: ref?.invoiceRef ?? null,
    }
  }
  if (meaning.type === 'refund' || meaning.type === 'dispute') {
    // The refund's / dispute's own reference; Psp Reference names the payment it belongs to.
    if (!modification) throw new Refusal('invalid_payload', `${recordType} row without Modification Reference`)
    if (!psp) throw new Refusal('invalid_payload', `${recordType} row without Psp Reference (the payment)`)
    return {externalId: modification, parentExternalId: psp, customerRef: null, invoiceRef: null}
  }
  const externalId = modification || psp
  if (!externalId)
    throw new Refusal('invalid_payload', `${recordType} row has neither Modification Reference nor Psp Reference`)
  return {externalId, parentExternalId: null, customerRef: null, invoiceRef: null}
}

/** The column's currency code, upper-cased; null when empty. A code we cannot hold money in is its own reason. */
function currencyOf(row: Row, column: string): string | null {
  const code = (row[column] ?? '').trim()
  if (code === '') return null
  try {
    return assertCurrency(code)
  } catch (error) {
    if (error instanceof MoneyError) throw new Refusal('unsupported_currency', `${column}: ${error.message}`)
    throw error
  }
}

/** A decimal amount in Adyen's exponent (docs/gateways.md#adyen-amounts); never negative: direction is the column. */
function amountIn(row: Row, column: string, currency: string): Money | null {
  const value = (row[column] ?? '').trim()
  if (value === '') return null
  const money = decimalMoney(value, currency, facts.wire, column)
  if (money.minor < 0)
    throw new Refusal(
      'invalid_payload',
      `${column} "${value}" is negative; direction comes from the Debit/Credit column`,
    )
  return money
}

/** Exactly one of the Debit/Credit pair carries the amount. */
function sided(
  row: Row,
  debitCol: string,
  creditCol: string,
  currency: string,
): {money: Money; direction: Direction} | null {
  const debit = amountIn(row, debitCol, currency)
  const credit = amountIn(row, creditCol, currency)
  if (debit && credit) throw new Refusal('invalid_payload', `both ${debitCol} and ${creditCol} are set`)
  if (debit) return {money: debit, direction: 'debit'}
  if (credit) return {money: credit, direction: 'credit'}
  return null
}

function lineOf(q: Quarantined): number {
  const raw = q.raw as {line?: unknown} | null
  return raw && typeof raw === 'object' && typeof raw.line === 'number' ? raw.line : 0
}
