import {parse as parseCsv} from 'csv-parse/sync'
import {XMLParser, XMLValidator} from 'fast-xml-parser'

import {assertCurrency, isSupportedCurrency} from './currency.js'
import {type FxRate, isIsoDate, parseRate, PIVOT} from './fx.js'

/** Why one parsed rate is unusable, or undefined when it is fine. Codes come back upper-cased in `r`. */
function checkRate(r: FxRate): string | undefined {
  if (!isIsoDate(r.date)) return `date ${JSON.stringify(r.date)} is not a YYYY-MM-DD date`
  try {
    r.base = assertCurrency(r.base, 'base')
    r.quote = assertCurrency(r.quote, 'quote')
    parseRate(r.rate)
  } catch (e) {
    return (e as Error).message
  }
  if (r.base === r.quote) return `base and quote are both ${r.base}`
  return undefined
}

/** Maps a character offset to its 1-based line; the history file is megabytes, so no rescanning per entry. */
function lineIndex(text: string): (offset: number | undefined) => number | undefined {
  const starts = [0]
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return (offset) => {
    if (offset === undefined) return undefined
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((starts[mid] as number) <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }
}

const META = XMLParser.getMetaDataSymbol() as unknown as symbol

type XmlNode = Record<string, unknown> & {[key: symbol]: {startIndex?: number} | undefined}

const asArray = (v: unknown): XmlNode[] => (Array.isArray(v) ? (v as XmlNode[]) : [])
const attr = (node: XmlNode, name: string): string | undefined =>
  typeof node[name] === 'string' ? (node[name] as string) : undefined

/**
 * ECB euro foreign exchange reference rates (eurofxref-daily.xml, eurofxref-hist*.xml):
 * gesmes:Envelope > Cube > Cube[time] > Cube[currency, rate]. Base is always EUR. Bad entries are reported
 * (with their line) and skipped; good ones are kept.
 */
export function parseEcbXml(xml: string): {rates: FxRate[]; errors: {line?: number; error: string}[]} {
  const rates: FxRate[] = []
  const errors: {line?: number; error: string}[] = []
  const valid = XMLValidator.validate(xml)
  if (valid !== true) {
    return {rates, errors: [{line: valid.err.line, error: `malformed XML: ${valid.err.msg}`}]}
  }
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    parseAttributeValue: false, // rates stay strings: "1.0705" must never become a float
    parseTagValue: false,
    captureMetaData: true,
    isArray: (name) => name === 'Cube',
  }).parse(xml) as Record<string, unknown>
  const envelope = doc['Envelope'] as XmlNode | undefined
  const outer = envelope ? asArray(envelope['Cube'])[0] : undefined
  if (!outer) return {rates, errors: [{error: 'not an ECB eurofxref document (no gesmes:Envelope > Cube)'}]}
  const lineAt = lineIndex(xml)
  const seen = new Set<string>()
  // The history file still lists withdrawn currencies (CYP, HRK, ...): one summary error per code, not per day.
  const withdrawn = new Map<string, {count: number; line?: number}>()
  for (const day of asArray(outer['Cube'])) {
    const date = attr(day, 'time')
    const dayLine = lineAt(day[META]?.startIndex)
    if (date === undefined || !isIsoDate(date)) {
      errors.push({line: dayLine, error: `Cube time ${JSON.stringify(date ?? null)} is not a YYYY-MM-DD date`})
      continue
    }
    for (const entry of asArray(day['Cube'])) {
      const line = lineAt(entry[META]?.startIndex)
      const quote = attr(entry, 'currency')
      const rate = attr(entry, 'rate')
      if (quote === undefined || rate === undefined) {
        errors.push({line, error: `Cube on ${date} lacks a currency or rate attribute`})
        continue
      }
      if (/^[A-Z]{3}$/.test(quote) && !isSupportedCurrency(quote)) {
        const w = withdrawn.get(quote) ?? {count: 0, line}
        w.count += 1
        withdrawn.set(quote, w)
        continue
      }
      const r: FxRate = {date, base: PIVOT, quote, rate}
      const problem = checkRate(r)
      if (problem) {
        errors.push({line, error: `${date} ${quote}: ${problem}`})
        continue
      }
      const key = `${r.date} ${r.quote}`
      if (seen.has(key)) {
        errors.push({line, error: `${date} ${r.quote}: duplicate rate for the same day`})
        continue
      }
      seen.add(key)
      rates.push(r)
    }
  }
  for (const [code, w] of withdrawn) {
    errors.push({line: w.line, error: `currency ${code} is not a supported ISO 4217 code: ${w.count} rate(s) skipped`})
  }
  return {rates, errors}
}

const CSV_COLUMNS = ['date', 'base', 'quote', 'rate'] as const
type Column = (typeof CSV_COLUMNS)[number]

/**
 * One CSV line -> its fields. Lines are parsed one at a time because csv-parse cannot resynchronise after a bad
 * quote (it swallows the rest of the file) and miscounts lines across a quoted CRLF; a rate file never needs a
 * field spanning lines, so per-line parsing gives exact line numbers and keeps every good row.
 */
function csvFields(line: string): string[] {
  const records = parseCsv(line, {trim: true, relax_column_count: true}) as string[][]
  if (records.length !== 1 || !records[0]) throw new Error('expected one record on the line')
  return records[0]
}

/**
 * CSV with a header naming date, base, quote, rate (any order, extra columns ignored). Each bad row is rejected
 * with its 1-based file line and the reason; good rows are kept.
 */
export function parseFxCsv(text: string): {rates: FxRate[]; rejected: {line: number; error: string}[]} {
  const rates: FxRate[] = []
  const rejected: {line: number; error: string}[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  let index: Record<Column, number> | undefined
  let width = 0
  const seen = new Map<string, number>()
  for (const [i, raw] of lines.entries()) {
    const line = i + 1
    if (raw.trim() === '') continue
    let record: string[]
    try {
      record = csvFields(raw)
    } catch (e) {
      if (!index) return {rates, rejected: [{line, error: `unreadable header: ${(e as Error).message}`}]}
      rejected.push({line, error: (e as Error).message})
      continue
    }
    if (!index) {
      const names = record.map((h) => h.toLowerCase())
      const missing = CSV_COLUMNS.filter((c) => !names.includes(c))
      if (missing.length > 0) return {rates, rejected: [{line, error: `header lacks column(s) ${missing.join(', ')}`}]}
      index = Object.fromEntries(CSV_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<Column, number>
      width = names.length
      continue
    }
    const at = index
    const [date, base, quote, rate] = CSV_COLUMNS.map((c) => record[at[c]])
    if (date === undefined || base === undefined || quote === undefined || rate === undefined) {
      rejected.push({line, error: `expected ${width} columns, found ${record.length}`})
      continue
    }
    const r: FxRate = {date, base, quote, rate}
    const problem = checkRate(r)
    if (problem) {
      rejected.push({line, error: problem})
      continue
    }
    const key = `${r.date} ${r.base} ${r.quote}`
    const first = seen.get(key)
    if (first !== undefined) {
      rejected.push({line, error: `duplicate of line ${first} (${key})`})
      continue
    }
    seen.set(key, line)
    rates.push(r)
  }
  if (!index) return {rates, rejected: [{line: 1, error: 'empty file: expected a header date,base,quote,rate'}]}
  return {rates, rejected}
}
