import {createHash} from 'node:crypto'

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64)

export interface AuditRecord {
  seq: number
  at: string
  actor: string
  action: string
  provider: string | null
  subject: string | null
  outcome: string
  /** The stored canonical JSON of the redacted details: exactly what was hashed. */
  detailsJson: string
  prevHash: string
  hash: string
}

/** JSON with object keys sorted at every level, so equal details always serialize (and hash) alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key])
    return sorted
  }
  return value
}

/**
 * SHA-256 over a fixed-order JSON array of every column but the hash itself. The array form leaves no
 * ambiguity between fields (no delimiter that a value could contain), and the tag versions the scheme.
 */
export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  const canonical = JSON.stringify([
    'yms-pay-audit/1',
    record.seq,
    record.at,
    record.actor,
    record.action,
    record.provider,
    record.subject,
    record.outcome,
    record.detailsJson,
    record.prevHash,
  ])
  return createHash('sha256').update(canonical, 'utf8').digest('hex')
}

export type VerifyResult = {ok: true; rows: number} | {ok: false; seq: number; reason: string; rows: number}

/**
 * Walks records in seq order and names the first one that breaks the chain: a gap in seq (rows deleted before
 * it), a prev_hash that is not the previous row's hash (rows deleted or reordered), or a hash that does not
 * match the row's own content (the row was edited). `rows` counts the records that verified.
 */
export function verifyChain(records: Iterable<AuditRecord>): VerifyResult {
  const chain = new ChainVerifier()
  for (const record of records) {
    const broken = chain.push(record)
    if (broken) return broken
  }
  return chain.result()
}

/**
 * verifyChain one record at a time, for records that arrive asynchronously (rows streamed from another store):
 * `push` returns the failure at the first broken record, and nothing while the chain holds.
 */
export class ChainVerifier {
  private expectedSeq = 1
  private prevHash = GENESIS_HASH
  private rows = 0

  push(record: AuditRecord): Extract<VerifyResult, {ok: false}> | undefined {
    const {expectedSeq, rows} = this
    if (record.seq !== expectedSeq) {
      return {
        ok: false,
        seq: record.seq,
        rows,
        reason: `seq ${expectedSeq}${record.seq > expectedSeq + 1 ? `..${record.seq - 1}` : ''} missing before this row`,
      }
    }
    if (record.prevHash !== this.prevHash) {
      return {ok: false, seq: record.seq, rows, reason: "prev_hash does not match the previous row's hash"}
    }
    if (auditHash(record) !== record.hash) {
      return {ok: false, seq: record.seq, rows, reason: "hash does not match the row's content (the row was altered)"}
    }
    this.prevHash = record.hash
    this.expectedSeq += 1
    this.rows += 1
    return undefined
  }

  result(): VerifyResult {
    return {ok: true, rows: this.rows}
  }
}
