import {parse} from 'csv-parse/sync'

import {gatewayExponent} from '../../core/currency.js'
import {parseGatewayDecimal} from '../../core/money.js'
import type {FetchedTxn, Money, NormalizedTxn, Quarantined} from '../../core/transaction.js'
import {parseMerchantReference} from './reference.js'
import {isoSeconds, wallClockToEpochMs} from './timezone.js'
import {buildTxn, type TranslateContext} from './translate.js'
import {facts} from './facts.js'

/** Settlement detail report columns in Adyen's order (GATEWAYS.md §2). Rows are read by header NAME. */
export const SDR_COLUMNS = [
  'Company Account',
  'Merchant Account',
  'Psp Reference',
  'Merchant Reference',
  'Payment Method',
  'Creation Date',
  'TimeZone',
  'Type',
  'Modification Reference',
  'Gross Currency',
  'Gross Debit (GC)',
  'Gross Credit (GC)',
  'Exchange Rate',
  'Net Currency',
  'Net Debit (NC)',
  'Net Credit (NC)',
  'Commission (NC)',
  'Markup (NC)',
  'Scheme Fees (NC)',
  'Interchange (NC)',
  'Payment Method Variant',
  'Modification Merchant Reference',
  'Batch Number',
  'Reserved4',
  'Reserved5',
  'Reserved6',
  'Reserved7',
  'Reserved8',
  'Reserved9',
  'Reserved10',
] as const

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

type Row = Record<string, string>
type Direction = 'debit' | 'credit'

/**
 * Record type -> normalized meaning. Card payments settle as credits, refunds and chargebacks are debits.
 * A Chargeback row is the dispute with funds withdrawn (`disputed`: Adyen books no row when a defence finally
 * fails, so the report never says `lost`); ChargebackReversed returns the funds (`won`); SecondChargeback
 * withdraws them again for good (`lost`). Fee / MerchantPayout / InvoiceDeduction / DepositCorrection are the
 * merchant account's own movements (fee / payout / adjustment), not tied to a customer. Anything else is
 * quarantined (unknown, so never silently dropped).
 */
const RECORD_TYPES: Readonly<Record<string, {type: NormalizedTxn['type']; status: NormalizedTxn['status']; direction: Direction | null}>> = {
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

class RowError extends Error {
  constructor(
    message: string,
    readonly reason: Quarantined['reason'] = 'invalid_payload',
  ) {
    super(message)
  }
}

function money(row: Row, column: string, currency: string): Money | null {
  const value = (row[column] ?? '').trim()
  if (value === '') return null
  try {
    const m = parseGatewayDecimal(value, currency, facts.wire, column)
    if (m.minor < 0) throw new RowError(`${column} "${value}" is negative; direction comes from the Debit/Credit column`)
    return m
  } catch (error) {
    if (error instanceof RowError) throw error
    throw new RowError((error as Error).message)
  }
}

function currencyOf(row: Row, column: string): string {
  const code = (row[column] ?? '').trim()
  if (code === '') throw new RowError(`${column} is empty`)
  try {
    gatewayExponent(code, facts.wire)
  } catch (error) {
    throw new RowError(`${column}: ${(error as Error).message}`, 'unsupported_currency')
  }
  return code.toUpperCase()
}

/** Exactly one of the Debit/Credit pair carries the amount. */
function sided(row: Row, debitCol: string, creditCol: string, currency: string): {money: Money; direction: Direction} | null {
  const debit = money(row, debitCol, currency)
  const credit = money(row, creditCol, currency)
  if (debit && credit) throw new RowError(`both ${debitCol} and ${creditCol} are set`)
  if (debit) return {money: debit, direction: 'debit'}
  if (credit) return {money: credit, direction: 'credit'}
  return null
}

function translateRow(ctx: TranslateContext, row: Row, fileName: string): {ok: true; item: FetchedTxn} | {ok: false; item: Quarantined} {
  const recordType = (row.Type ?? '').trim()
  const meaning = RECORD_TYPES[recordType]
  if (!meaning) throw new RowError(`unknown record Type "${recordType}"`)
  const psp = (row['Psp Reference'] ?? '').trim()
  const modification = (row['Modification Reference'] ?? '').trim()
  const when = wallClockToEpochMs(row['Creation Date'] ?? '', row.TimeZone ?? '')
  if (when === null) throw new RowError(`Creation Date "${row['Creation Date'] ?? ''}" in TimeZone "${row.TimeZone ?? ''}" is not a time this parser understands`)
  const occurredAt = isoSeconds(when)

  const netCurrency = (row['Net Currency'] ?? '').trim() === '' ? null : currencyOf(row, 'Net Currency')
  const net = netCurrency ? sided(row, 'Net Debit (NC)', 'Net Credit (NC)', netCurrency) : null
  const grossCurrency = (row['Gross Currency'] ?? '').trim() === '' ? null : currencyOf(row, 'Gross Currency')
  const gross = grossCurrency ? sided(row, 'Gross Debit (GC)', 'Gross Credit (GC)', grossCurrency) : null
  // Merchant-level rows (fees, payouts) may carry only net amounts.
  const amount = gross ?? (meaning.direction === null ? net : null)
  if (!amount) throw new RowError(`${recordType} row has no gross amount`)
  if (meaning.direction && amount.direction !== meaning.direction) {
    throw new RowError(`${recordType} row is a ${amount.direction}; expected a ${meaning.direction}`)
  }
  // fee = the sum of the fee columns present; null when the row reports none.
  let feeMinor: number | null = null
  for (const column of FEE_COLUMNS) {
    const part = netCurrency ? money(row, column, netCurrency) : null
    if (part) feeMinor = (feeMinor ?? 0) + part.minor
  }
  const fee: Money | null = feeMinor === null || !netCurrency ? null : {minor: feeMinor, currency: netCurrency}

  const metadata: Record<string, string> = {recordType, reportFile: fileName}
  if (amount.direction) metadata.direction = amount.direction
  for (const [key, column] of [
    ['merchantReference', 'Merchant Reference'],
    ['modificationReference', 'Modification Reference'],
    ['paymentMethod', 'Payment Method'],
    ['paymentMethodVariant', 'Payment Method Variant'],
    ['batchNumber', 'Batch Number'],
    ['bookingDate', 'Booking Date'],
  ] as const) {
    const value = (row[column] ?? '').trim()
    if (value !== '') metadata[key] = value
  }

  let externalId: string
  let parentExternalId: string | null = null
  let customerRef: string | null = null
  let invoiceRef: string | null = null
  if (meaning.type === 'payment') {
    // Psp Reference is the payment; a Settled row's Modification Reference is the capture, not the payment.
    if (!psp) throw new RowError('Settled row without Psp Reference')
    externalId = psp
    const ref = parseMerchantReference(row['Merchant Reference'])
    customerRef = ref?.customerRef ?? null
    invoiceRef = ref?.invoiceRef ?? null
  } else if (meaning.type === 'refund' || meaning.type === 'dispute') {
    // The refund's / dispute's own reference; Psp Reference names the payment it belongs to.
    if (!modification) throw new RowError(`${recordType} row without Modification Reference`)
    if (!psp) throw new RowError(`${recordType} row without Psp Reference (the payment)`)
    externalId = modification
    parentExternalId = psp
  } else {
    externalId = modification || psp
    if (!externalId) throw new RowError(`${recordType} row has neither Modification Reference nor Psp Reference`)
  }
  return buildTxn(
    ctx,
    {
      externalId,
      parentExternalId,
      type: meaning.type,
      status: meaning.status,
      amount: amount.money,
      fee,
      net: net?.money ?? null,
      customerRef,
      invoiceRef,
      occurredAt,
      metadata,
    },
    {file: fileName, row},
  )
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
  const items: FetchedTxn[] = []
  const invalid: Quarantined[] = []
  const text = csv.replace(/^\uFEFF/, '')
  let records = readRecords(text)
  if (records.skipped.length > 0) {
    // csv-parse resynchronises badly after a broken quote (it swallows the following rows), so read the file
    // again one physical line at a time: every line that parses alone is kept, the broken ones are quarantined.
    records = readLineByLine(text)
  }
  for (const s of records.skipped) {
    invalid.push({externalId: null, reason: 'invalid_payload', detail: `${fileName} line ${s.line}: ${s.message}`, raw: {file: fileName, line: s.line, text: s.raw}})
  }
  const header = records.rows[0]?.record.map((h) => h.trim())
  if (!header) return {items, invalid}
  const missing = REQUIRED.filter((column) => !header.includes(column))
  if (missing.length > 0) {
    invalid.push({externalId: fileName, reason: 'invalid_payload', detail: `${fileName}: missing column(s) ${missing.join(', ')}`, raw: csv})
    return {items, invalid}
  }
  for (const {record, line} of records.rows.slice(1)) {
    const row: Row = {}
    header.forEach((name, i) => {
      row[name] = record[i] ?? ''
    })
    try {
      const result = translateRow(ctx, row, fileName)
      if (result.ok) items.push(result.item)
      else invalid.push({...result.item, detail: `${fileName} line ${line}: ${result.item.detail}`, raw: {file: fileName, line, row}})
    } catch (error) {
      const reason = error instanceof RowError ? error.reason : 'invalid_payload'
      const externalId = (row['Modification Reference'] || row['Psp Reference'] || '').trim() || null
      invalid.push({externalId, reason, detail: `${fileName} line ${line}: ${(error as Error).message}`, raw: {file: fileName, line, row}})
    }
  }
  invalid.sort((a, b) => lineOf(a) - lineOf(b))
  return {items, invalid}
}

interface ReadResult {
  rows: {record: string[]; line: number}[]
  skipped: {line: number; message: string; raw: string}[]
}

function readRecords(text: string, lineOffset = 0): ReadResult {
  const skipped: ReadResult['skipped'] = []
  const parsed = parse(text, {
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err, raw) => {
      const lines = (err as {lines?: unknown} | undefined)?.lines
      skipped.push({line: (typeof lines === 'number' ? lines : 0) + lineOffset, message: err?.message ?? 'unreadable CSV record', raw: raw ?? ''})
      return undefined
    },
  }) as unknown as {record: string[]; info: {lines: number}}[]
  return {rows: parsed.map((r) => ({record: r.record, line: r.info.lines + lineOffset})), skipped}
}

function readLineByLine(text: string): ReadResult {
  const out: ReadResult = {rows: [], skipped: []}
  text.split(/\r?\n/).forEach((physical, index) => {
    if (physical.trim() === '') return
    const one = readRecords(physical, index)
    out.rows.push(...one.rows)
    // One broken line can raise several parser errors; report it once.
    const first = one.skipped[0]
    if (first) out.skipped.push({...first, line: index + 1, raw: physical})
  })
  return out
}

function lineOf(q: Quarantined): number {
  const raw = q.raw as {line?: unknown} | null
  return raw && typeof raw === 'object' && typeof raw.line === 'number' ? raw.line : 0
}

/** Renders rows in Adyen's column order (the emulator's writer; also handy for fixtures). */
export function formatSettlementReport(rows: readonly Partial<Record<(typeof SDR_COLUMNS)[number], string>>[]): string {
  const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  const lines = [SDR_COLUMNS.join(',')]
  for (const row of rows) lines.push(SDR_COLUMNS.map((c) => cell(row[c] ?? '')).join(','))
  return `${lines.join('\n')}\n`
}
