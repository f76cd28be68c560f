import type {FetchedTxn, Quarantined} from '../../core/transaction.js'
import {Refusal, type Translation} from '../translate-kit.js'
import type {Skipped} from '../types.js'
import {readCsv} from './csv.js'
import {customerRowFields} from './customer-row.js'
import {journalTreatment} from './journal-types.js'
import {merchantRowFields, merchantRowId} from './merchant-row.js'
import {type ReportColumns, requireNamedColumns} from './report-columns.js'
import {cell, type Row, type RowSource} from './report-row.js'
import {adyenTxn, type TranslateContext} from './translate.js'

/**
 * One settlement details report file (docs/gateways.md#adyen-settlement-reports) -> what each row means. Columns
 * are read by header NAME, so an account's extra and reordered columns read the same; these are the ones every
 * row needs. Good rows are kept; each bad row is quarantined with its line number (1 = the header); a file
 * without the required header quarantines as a whole; a row of a journal type Adyen does not document is skipped
 * and counted ('unknown_code').
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

export interface ReportContext extends TranslateContext {
  columns: ReportColumns
}

export interface ParsedReport {
  items: FetchedTxn[]
  invalid: Quarantined[]
  skipped: Skipped[]
  /** Required columns the file lacks (the whole file is then quarantined): it may not be a report at all. */
  missingColumns: string[]
}

/** The batch file being read: its name and the batch number it holds (the pull's cursor). */
export interface ReportFile {
  file: string
  batch: number
}

/**
 * Throws ConfigError when the report lacks a column the provider's settings name (report-columns.ts): every other
 * problem stays with its row or its file.
 */
export function parseSettlementReport(ctx: ReportContext, csv: string, report: ReportFile): ParsedReport {
  const out: ParsedReport = {items: [], invalid: [], skipped: [], missingColumns: []}
  const {rows, skipped} = readCsv(csv.replace(/^\uFEFF/, ''))
  for (const s of skipped) {
    out.invalid.push({
      externalId: null,
      reason: 'invalid_payload',
      detail: `${report.file} line ${s.line}: ${s.message}`,
      raw: {file: report.file, line: s.line, text: s.raw},
    })
  }
  const header = rows[0]?.record.map((h) => h.trim())
  if (!header) {
    out.missingColumns = [...REQUIRED]
    return out
  }
  const missing = REQUIRED.filter((column) => !header.includes(column))
  if (missing.length > 0) {
    out.missingColumns = missing
    out.invalid.push({
      externalId: report.file,
      reason: 'invalid_payload',
      detail: `${report.file}: missing column(s) ${missing.join(', ')}`,
      raw: csv,
    })
    return out
  }
  requireNamedColumns(ctx.columns, header, report.file)
  for (const {record, line} of rows.slice(1)) {
    const row: Row = Object.fromEntries(header.map((name, i) => [name, record[i] ?? '']))
    readRow(ctx, row, {...report, line}, out)
  }
  out.invalid.sort((a, b) => lineOf(a) - lineOf(b))
  return out
}

function readRow(ctx: ReportContext, row: Row, source: RowSource, out: ParsedReport): void {
  const recordType = cell(row, 'Type')
  const journal = journalTreatment(recordType)
  const raw = {file: source.file, batch: source.batch, line: source.line, row}
  if (!journal && recordType !== '') {
    // Not one of the types Adyen documents for this report: counted and visible, and its row is in the file.
    out.skipped.push({externalId: merchantRowId(source), code: recordType, reason: 'unknown_code'})
    return
  }
  let t: Translation
  if (journal?.kind === 'merchant') {
    t = adyenTxn(ctx, raw, merchantRowId(source), () => merchantRowFields(row, journal, source))
  } else {
    const externalId = cell(row, 'Modification Reference') || cell(row, 'Psp Reference') || null
    t = adyenTxn(ctx, raw, externalId, () => {
      if (!journal) throw new Refusal('invalid_payload', 'row without Type')
      return customerRowFields(row, journal, ctx.columns, source)
    })
  }
  if (t.ok) out.items.push(t.item)
  else out.invalid.push({...t.item, detail: `${source.file} line ${source.line}: ${t.item.detail}`})
}

function lineOf(q: Quarantined): number {
  const raw = q.raw as {line?: unknown} | null
  return raw && typeof raw === 'object' && typeof raw.line === 'number' ? raw.line : 0
}
