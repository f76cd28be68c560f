import type {AuditRecord} from '../../core/audit-chain.js'

export type AuditExportFormat = 'csv' | 'jsonl'

export const CSV_COLUMNS = [
  'seq',
  'at',
  'actor',
  'action',
  'provider',
  'subject',
  'outcome',
  'details',
  'prev_hash',
  'hash',
]

/** RFC 4180 quoting. Values are written verbatim (no spreadsheet-formula escaping) so an export stays verifiable. */
function csvCell(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`
}

export function csvLine(r: AuditRecord): string {
  return `${[r.seq, r.at, r.actor, r.action, r.provider, r.subject, r.outcome, r.detailsJson, r.prevHash, r.hash].map(csvCell).join(',')}\r\n`
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
