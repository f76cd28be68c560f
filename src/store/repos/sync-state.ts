import type {Cursor} from '../../core/cursor.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import type {Db} from '../db.js'

export function loadCursor(db: Db, provider: string): Cursor | null {
  const row = db.stmt('SELECT cursor_json FROM sync_cursors WHERE provider = ?').get(provider) as
    {cursor_json: string} | undefined
  return row ? (JSON.parse(row.cursor_json) as Cursor) : null
}

export function saveCursor(db: Db, provider: string, cursor: Cursor): void {
  db.stmt(
    `INSERT INTO sync_cursors (provider, cursor_json, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (provider) DO UPDATE SET cursor_json = excluded.cursor_json, updated_at = excluded.updated_at`,
  ).run(provider, JSON.stringify(cursor), db.now())
}

export function recordCalls(db: Db, calls: readonly GatewayCall[]): void {
  const insert = db.stmt(
    'INSERT INTO gateway_calls (provider, endpoint, method, status, outcome, duration_ms, attempt, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  for (const c of calls)
    insert.run(
      c.provider,
      c.endpoint,
      c.method,
      c.status,
      c.outcome,
      Math.max(0, Math.round(c.durationMs)),
      c.attempt,
      new Date(c.at).toISOString(),
    )
}

export function recordLatency(
  db: Db,
  s: {provider: string; txnId: string; source: string; eventAt: string; committedAt: string},
): void {
  const ms = Date.parse(s.committedAt) - Date.parse(s.eventAt)
  db.stmt(
    'INSERT INTO sync_latency (provider, txn_id, source, event_at, committed_at, latency_ms) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(s.provider, s.txnId, s.source, s.eventAt, s.committedAt, Math.max(0, ms))
}

export interface RunCounts {
  pages: number
  fetched: number
  inserted: number
  updated: number
  unchanged: number
  quarantined: number
  /** Objects seen and deliberately not posted (Page.skipped): listed by `yms-pay sync skipped`. */
  skipped: number
  posted: number
}

export function startRun(db: Db, provider: string, owner: string): number {
  return Number(
    db
      .stmt(`INSERT INTO sync_runs (provider, owner, started_at, status) VALUES (?, ?, ?, 'running')`)
      .run(provider, owner, db.now()).lastInsertRowid,
  )
}

export function addRunCounts(db: Db, runId: number, c: RunCounts): void {
  db.stmt(
    `UPDATE sync_runs SET pages = pages + @pages, fetched = fetched + @fetched, inserted = inserted + @inserted, updated = updated + @updated,
     unchanged = unchanged + @unchanged, quarantined = quarantined + @quarantined, skipped = skipped + @skipped,
     posted = posted + @posted WHERE id = @id`,
  ).run({...c, id: runId})
}

export function finishRun(
  db: Db,
  runId: number,
  status: 'ok' | 'failed' | 'skipped_locked' | 'stopped',
  error: string | null,
): void {
  db.write(() =>
    db
      .stmt('UPDATE sync_runs SET finished_at = ?, status = ?, error = ? WHERE id = ?')
      .run(db.now(), status, error, runId),
  )
}

export function recordSkipped(db: Db, provider: string, owner: string): void {
  db.write(() =>
    db
      .stmt(
        `INSERT INTO sync_runs (provider, owner, started_at, finished_at, status) VALUES (?, ?, ?, ?, 'skipped_locked')`,
      )
      .run(provider, owner, db.now(), db.now()),
  )
}

/** When the provider's previous successful run started: events after it are "new" and get latency samples. */
export function previousRunStart(db: Db, provider: string): string | null {
  const row = db
    .stmt(`SELECT MAX(started_at) AS at FROM sync_runs WHERE provider = ? AND status = 'ok'`)
    .get(provider) as {at: string | null}
  return row.at
}

/** A run whose process died (SIGKILL, OOM, reboot) never finished its row: close it as failed, saying why. */
export function markDeadRunFailed(db: Db, provider: string, deadOwner: string): void {
  db.stmt(
    `UPDATE sync_runs SET status = 'failed', finished_at = ?, error = ? WHERE provider = ? AND owner = ? AND status = 'running'`,
  ).run(
    db.now(),
    `the process holding the run (${deadOwner}) died mid-run; its lease was taken over`,
    provider,
    deadOwner,
  )
}
