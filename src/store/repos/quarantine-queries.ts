import type {Db} from '../db.js'
import type {QuarantineItem} from './quarantine.js'

/** Read-side queries over the quarantine (quarantine list, status). Writes live in quarantine.ts with the sync. */

export interface QuarantineFilter {
  provider?: string
  reason?: string
  /** undefined: every status */
  status?: 'open' | 'replayed' | 'resolved'
  limit: number
}

type Row = {id: number; provider: string; external_id: string | null; reason: QuarantineItem['reason']; detail: string; status: QuarantineItem['status']; seen_count: number; source: string; created_at: string; updated_at: string; normalized_json: string | null; raw_json: string}

/** Most recently touched first: what an admin looking at the list wants to see. */
export function queryQuarantine(db: Db, f: QuarantineFilter): QuarantineItem[] {
  const rows = db
    .stmt(
      `SELECT id, provider, external_id, reason, detail, status, seen_count, source, created_at, updated_at, normalized_json, raw_json
       FROM quarantine WHERE (@status IS NULL OR status = @status) AND (@provider IS NULL OR provider = @provider)
         AND (@reason IS NULL OR reason = @reason)
       ORDER BY updated_at DESC, id DESC LIMIT @limit`,
    )
    .all({status: f.status ?? null, provider: f.provider ?? null, reason: f.reason ?? null, limit: f.limit}) as Row[]
  return rows.map((r) => ({id: r.id, provider: r.provider, externalId: r.external_id, reason: r.reason, detail: r.detail, status: r.status, seenCount: r.seen_count, source: r.source, createdAt: r.created_at, updatedAt: r.updated_at, normalizedJson: r.normalized_json, rawJson: r.raw_json}))
}

