import type {Cursor} from '../../core/cursor.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import {dual} from '../ops/dual.js'
import {get, now, type Ops, run, send, value, write} from '../ops/op.js'

export const loadCursor = dual(function* loadCursor(provider: string): Ops<Cursor | null> {
  const row = yield* get<{cursor_json: string}>('SELECT cursor_json FROM sync_cursors WHERE provider = ?', [provider])
  return row ? (JSON.parse(row.cursor_json) as Cursor) : null
})

export const saveCursor = dual(function* saveCursor(provider: string, cursor: Cursor): Ops<void> {
  yield* send(
    `INSERT INTO sync_cursors (provider, cursor_json, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (provider) DO UPDATE SET cursor_json = excluded.cursor_json, updated_at = excluded.updated_at`,
    [provider, JSON.stringify(cursor), yield* now()],
  )
})

export const recordCalls = dual(function* recordCalls(calls: readonly GatewayCall[]): Ops<void> {
  for (const c of calls)
    yield* send(
      'INSERT INTO gateway_calls (provider, endpoint, method, status, outcome, duration_ms, attempt, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        c.provider,
        c.endpoint,
        c.method,
        c.status,
        c.outcome,
        Math.max(0, Math.round(c.durationMs)),
        c.attempt,
        new Date(c.at).toISOString(),
      ],
    )
})

export const recordLatency = dual(function* recordLatency(s: {
  provider: string
  txnId: string
  source: string
  eventAt: string
  committedAt: string
}): Ops<void> {
  const ms = Date.parse(s.committedAt) - Date.parse(s.eventAt)
  yield* run(
    'INSERT INTO sync_latency (provider, txn_id, source, event_at, committed_at, latency_ms) VALUES (?, ?, ?, ?, ?, ?)',
    [s.provider, s.txnId, s.source, s.eventAt, s.committedAt, Math.max(0, ms)],
  )
})

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

export const startRun = dual(function* startRun(provider: string, owner: string): Ops<number> {
  return Number(
    yield* value<number>(
      `INSERT INTO sync_runs (provider, owner, started_at, status) VALUES (?, ?, ?, 'running') RETURNING id`,
      [provider, owner, yield* now()],
    ),
  )
})

export const addRunCounts = dual(function* addRunCounts(runId: number, c: RunCounts): Ops<void> {
  yield* send(
    `UPDATE sync_runs SET pages = pages + @pages, fetched = fetched + @fetched, inserted = inserted + @inserted, updated = updated + @updated,
     unchanged = unchanged + @unchanged, quarantined = quarantined + @quarantined, skipped = skipped + @skipped,
     posted = posted + @posted WHERE id = @id`,
    {...c, id: runId},
  )
})

export const finishRun = dual(function* finishRun(
  runId: number,
  status: 'ok' | 'failed' | 'skipped_locked' | 'stopped',
  error: string | null,
): Ops<void> {
  yield* write(
    (function* () {
      yield* run('UPDATE sync_runs SET finished_at = ?, status = ?, error = ? WHERE id = ?', [
        yield* now(),
        status,
        error,
        runId,
      ])
    })(),
  )
})

export const recordSkipped = dual(function* recordSkipped(provider: string, owner: string): Ops<void> {
  yield* write(
    (function* () {
      yield* run(
        `INSERT INTO sync_runs (provider, owner, started_at, finished_at, status) VALUES (?, ?, ?, ?, 'skipped_locked')`,
        // The clock is read twice, as it always was: a stepping test clock gives the two columns different times.
        [provider, owner, yield* now(), yield* now()],
      )
    })(),
  )
})

/** When the provider's previous successful run started: events after it are "new" and get latency samples. */
export const previousRunStart = dual(function* previousRunStart(provider: string): Ops<string | null> {
  const row = yield* get<{at: string | null}>(
    `SELECT MAX(started_at) AS at FROM sync_runs WHERE provider = ? AND status = 'ok'`,
    [provider],
  )
  return row!.at
})

/** A run whose process died (SIGKILL, OOM, reboot) never finished its row: close it as failed, saying why. */
export const markDeadRunFailed = dual(function* markDeadRunFailed(provider: string, deadOwner: string): Ops<void> {
  yield* run(
    `UPDATE sync_runs SET status = 'failed', finished_at = ?, error = ? WHERE provider = ? AND owner = ? AND status = 'running'`,
    [
      yield* now(),
      `the process holding the run (${deadOwner}) died mid-run; its lease was taken over`,
      provider,
      deadOwner,
    ],
  )
})
