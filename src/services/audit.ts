import {UsageError} from '../core/errors.js'
import {parseInstant} from '../core/time-input.js'
import {dual} from '../store/ops/dual.js'
import {now, type Ops, read, write} from '../store/ops/op.js'
import {
  type AuditFilter,
  eachAuditRow,
  insertAuditRow,
  lastAuditRow,
  lockAuditHead,
  queryAuditRows,
} from '../store/repos/audit.js'
import {
  auditHash,
  type AuditRecord,
  canonicalJson,
  ChainVerifier,
  GENESIS_HASH,
  type VerifyResult,
} from '../core/audit-chain.js'
import {type AuditExportFormat, csvHeader, csvLine, jsonLine} from './audit/export.js'
import {redact} from './audit/redact.js'
import {refuseUnknownFilterNames} from './filter-names.js'
import {scrubSecrets} from '../secrets/index.js'

export {
  type AuditRecord,
  auditHash,
  canonicalJson,
  GENESIS_HASH,
  verifyChain,
  type VerifyResult,
} from '../core/audit-chain.js'
export {type AuditExportFormat} from './audit/export.js'
export {isSecretKey, redact, REDACTED} from './audit/redact.js'
export type {AuditFilter} from '../store/repos/audit.js'

/** Known outcomes; others are allowed so a new service need not edit this file. */
export type AuditOutcome = 'ok' | 'error' | 'denied' | 'skipped' | 'partial' | (string & {})

export interface AuditEntry {
  actor: string
  /** dotted, e.g. `providers.add`, `sync.page`, `webhook.received`, `retry.attempt`, `access.denied` */
  action: string
  provider?: string | null
  subject?: string | null
  outcome: AuditOutcome
  /** Redacted before storing, always. */
  details?: unknown
  /** ISO-8601 UTC; defaults to the Db clock. */
  at?: string
}

/** An audit row as reports show it: the details parsed instead of the stored canonical JSON. */
export type AuditView = Omit<AuditRecord, 'detailsJson'> & {details: unknown}

/**
 * Appends one chained row. Call it inside the write transaction of the change it records, so both commit or
 * neither does; called on its own it opens its own immediate transaction. Never call it inside `db.read`.
 */
export const appendAudit = dual(function* appendAudit(entry: AuditEntry) {
  return (yield* write(appendInTransaction([entry])))[0]!
})

/**
 * Appends chained rows, in order, reading the chain's head once: the sync's page writer records each page it commits
 * together (commit-page.ts). Same rules as appendAudit.
 */
export const appendAudits = dual(function* appendAudits(entries: readonly AuditEntry[]) {
  return yield* write(appendInTransaction(entries))
})

function* appendInTransaction(entries: readonly AuditEntry[]): Ops<AuditView[]> {
  yield* lockAuditHead.ops()
  let last = yield* lastAuditRow.ops()
  const views: AuditView[] = []
  for (const entry of entries) {
    const details = redact(entry.details ?? {}) ?? {}
    const unhashed = {
      seq: (last?.seq ?? 0) + 1,
      at: entry.at ?? (yield* now()),
      actor: scrubSecrets(entry.actor),
      action: entry.action,
      provider: entry.provider ?? null,
      subject: entry.subject === undefined || entry.subject === null ? null : scrubSecrets(entry.subject),
      outcome: entry.outcome,
      detailsJson: canonicalJson(details),
      prevHash: last?.hash ?? GENESIS_HASH,
    }
    const record: AuditRecord = {...unhashed, hash: auditHash(unhashed)}
    yield* insertAuditRow.ops(record)
    views.push(toView(record))
    last = record
  }
  return views
}

/**
 * Recomputes the whole chain from the first row and names the first broken one. The rows after it are still read
 * (a streamed statement runs to its end) but no longer hashed.
 */
export const verifyAudit = dual(function* verifyAudit() {
  const chain = new ChainVerifier()
  let broken: VerifyResult | undefined
  yield* read(eachAuditRow.ops((record) => void (broken ??= chain.push(record))))
  return broken ?? chain.result()
})

export const listAudit = dual(function* listAudit(filter: AuditFilter = {}): Ops<AuditView[]> {
  if (filter.limit !== undefined && (!Number.isInteger(filter.limit) || filter.limit < 0)) {
    throw new UsageError(`--limit must be a non-negative integer, got ${filter.limit}`)
  }
  // Compared as text against stored ISO times, so an unparsed "yesterday" would quietly select nothing.
  const since = filter.since === undefined ? undefined : parseInstant(filter.since, '--since', Date.parse(yield* now()))
  const rows = yield* queryAuditRows.ops({...filter, since})
  // A removed provider's audit rows still filter, whatever action, actor or time the others ask for.
  const provider = filter.provider
  const matched = rows.length || (provider ? (yield* queryAuditRows.ops({provider, limit: 1})).length : 0)
  yield* refuseUnknownFilterNames.ops(matched, {provider})
  return rows.map(toView)
})

/** Streams the whole log, oldest first, in one read snapshot, without holding it in memory. */
export const exportAudit = dual(function* exportAudit(
  format: AuditExportFormat,
  emit: (chunk: string) => void,
): Ops<number> {
  return yield* read(
    (function* () {
      let rows = 0
      if (format === 'csv') emit(csvHeader())
      yield* eachAuditRow.ops((record) => {
        emit(format === 'csv' ? csvLine(record) : jsonLine(record))
        rows += 1
      })
      return rows
    })(),
  )
})

function toView(record: AuditRecord): AuditView {
  return {
    seq: record.seq,
    at: record.at,
    actor: record.actor,
    action: record.action,
    provider: record.provider,
    subject: record.subject,
    outcome: record.outcome,
    details: JSON.parse(record.detailsJson) as unknown,
    prevHash: record.prevHash,
    hash: record.hash,
  }
}
