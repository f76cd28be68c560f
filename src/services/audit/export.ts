import type {AuditRecord} from '../../core/audit-chain.js'
import {csvRow} from '../../core/csv.js'

export type AuditExportFormat = 'csv' | 'jsonl'

const CSV_COLUMNS = ['seq', 'at', 'actor', 'action', 'provider', 'subject', 'outcome', 'details', 'prev_hash', 'hash']

export function csvHeader(): string {
  return csvRow(CSV_COLUMNS)
}

/**
 * One audit row. A cell a spreadsheet would run as a formula (an actor or a subject can be anything) carries a
 * leading apostrophe (core/csv.ts); fromCsvCell removes it, giving back the hashed text, so an export stays
 * verifiable.
 */
export function csvLine(r: AuditRecord): string {
  return csvRow([r.seq, r.at, r.actor, r.action, r.provider, r.subject, r.outcome, r.detailsJson, r.prevHash, r.hash])
}

/** One JSON object per line; `details` is parsed, and re-canonicalizing it reproduces the hashed text. */
export function jsonLine(r: AuditRecord): string {
  return `${JSON.stringify({
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    provider: r.provider,
    subject: r.subject,
    outcome: r.outcome,
    details: JSON.parse(r.detailsJson) as unknown,
    prevHash: r.prevHash,
    hash: r.hash,
  })}\n`
}
