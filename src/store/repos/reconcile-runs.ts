import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, type Ops, run, value} from '../ops/op.js'

/** A run as stored: its parameters, its summary (the printed result without the exceptions) and what it found. */
export interface StoredRun {
  id: number
  site: string
  from: string | null
  to: string | null
  providers: string[]
  tolerance: string
  windowDays: number
  actor: string
  at: string
  exceptions: number
  openExceptions: number
  summaryJson: string
  /** [exception id, facts_sha256] as the run saw them. */
  found: Array<[string, string]>
}

export interface ExceptionRecord {
  id: string
  class: string
  subject: string
  factsSha256: string
  detailJson: string
}

export interface StoredException extends ExceptionRecord {
  site: string
  status: 'open' | 'resolved'
  firstRun: number
  lastRun: number
  resolvedAt: string | null
  resolvedBy: string | null
  resolutionNote: string | null
}

export type NewRun = Omit<StoredRun, 'id' | 'found' | 'exceptions' | 'openExceptions'>

const RUN_COLUMNS =
  'id, site, from_at, to_at, providers_json, tolerance, window_days, actor, at, exceptions, open_exceptions, summary_json'
const EXCEPTION_COLUMNS =
  'id, site, class, subject, facts_sha256, detail_json, status, first_run, last_run, resolved_at, resolved_by, resolution_note'

/** The resolutions of a site's exceptions, by id: a resolution holds while the exception's facts are unchanged. */
export const resolvedExceptions = dual(function* resolvedExceptions(site: string): Ops<Map<string, StoredException>> {
  const rows = yield* all<ExceptionRow>(
    `SELECT ${EXCEPTION_COLUMNS} FROM reconciliation_exceptions WHERE site = ? AND status = 'resolved'`,
    [site],
  )
  return new Map(rows.map((r) => [r.id, toException(r)]))
})

/**
 * Stores a run and brings its exceptions up to date in one statement: new ones open, seen ones carry the run as
 * their last, and a resolved one whose facts changed opens again. Must run inside the caller's write transaction.
 */
export const insertRun = dual(function* insertRun(
  newRun: NewRun,
  found: readonly ExceptionRecord[],
  counts: {exceptions: number; open: number},
): Ops<number> {
  const id = Number(
    yield* value<number>(
      `INSERT INTO reconciliation_runs (site, from_at, to_at, providers_json, tolerance, window_days, actor, at,
           exceptions, open_exceptions, summary_json, found_json)
         VALUES (@site, @from, @to, @providers, @tolerance, @windowDays, @actor, @at, @exceptions, @open, @summaryJson, @found)
         RETURNING id`,
      {
        ...newRun,
        providers: JSON.stringify(newRun.providers),
        exceptions: counts.exceptions,
        open: counts.open,
        found: JSON.stringify(found.map((e) => [e.id, e.factsSha256])),
      },
    ),
  )
  // Rows go BATCH to a statement, the rest one by one: two constant statements, and ~15% less than a statement per row
  // (50,000 exceptions at a million invoices: test/bench/reconcile.ts); one statement over a JSON array of them was
  // slower than both.
  const values = (e: ExceptionRecord) => [e.id, newRun.site, e.class, e.subject, e.factsSha256, e.detailJson, id, id]
  let k = 0
  for (; k + BATCH <= found.length; k += BATCH) yield* run(UPSERT_MANY, found.slice(k, k + BATCH).flatMap(values))
  for (; k < found.length; k++) yield* run(UPSERT_ONE, values(found[k]!))
  return id
})

const BATCH = 64

/** Inserts `rows` exceptions (8 values each) as new and open; one already stored is brought up to date instead. */
const upsertSpelled = (rows: number) =>
  bothWays((w) => {
    const stored = (column: string) => w.stored('reconciliation_exceptions', column)
    return `INSERT INTO reconciliation_exceptions (id, site, class, subject, facts_sha256, detail_json, status, first_run, last_run)
     VALUES ${Array.from({length: rows}, () => "(?, ?, ?, ?, ?, ?, 'open', ?, ?)").join(', ')}
     ON CONFLICT (id) DO UPDATE SET
       last_run = excluded.last_run,
       detail_json = excluded.detail_json,
       status = CASE WHEN ${stored('facts_sha256')} = excluded.facts_sha256 THEN ${stored('status')} ELSE 'open' END,
       resolved_at = CASE WHEN ${stored('facts_sha256')} = excluded.facts_sha256 THEN ${stored('resolved_at')} END,
       resolved_by = CASE WHEN ${stored('facts_sha256')} = excluded.facts_sha256 THEN ${stored('resolved_by')} END,
       resolution_note = CASE WHEN ${stored('facts_sha256')} = excluded.facts_sha256 THEN ${stored('resolution_note')} END,
       facts_sha256 = excluded.facts_sha256`
  })
const UPSERT_MANY = upsertSpelled(BATCH)
const UPSERT_ONE = upsertSpelled(1)

export const getRun = dual(function* getRun(id: number): Ops<StoredRun | null> {
  const row = yield* get<RunRow & {found_json: string}>(
    `SELECT ${RUN_COLUMNS}, found_json FROM reconciliation_runs WHERE id = ?`,
    [id],
  )
  return row ? {...toRun(row), found: JSON.parse(row.found_json) as Array<[string, string]>} : null
})

const LIST = bothWays(
  (w) =>
    `SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE (${w.unset('@site')} OR site = @site) ORDER BY id DESC LIMIT ${w.limit('@limit')}`,
)

/** The newest runs first (optionally one site's). */
export const listRuns = dual(function* listRuns(filter: {
  site?: string
  limit: number
}): Ops<Array<Omit<StoredRun, 'found'>>> {
  const rows = yield* all<RunRow>(LIST, {site: filter.site ?? null, limit: filter.limit})
  return rows.map(toRun)
})

const EXCEPTIONS_BY_ID = bothWays(
  (w) => `SELECT ${EXCEPTION_COLUMNS} FROM reconciliation_exceptions WHERE id ${w.inList('text')}`,
)

export const getExceptions = dual(function* getExceptions(ids: readonly string[]): Ops<Map<string, StoredException>> {
  const rows = yield* all<ExceptionRow>(EXCEPTIONS_BY_ID, [JSON.stringify(ids)])
  return new Map(rows.map((r) => [r.id, toException(r)]))
})

/** Marks an exception resolved; false when no exception has that id. */
export const resolveException = dual(function* resolveException(
  id: string,
  by: {actor: string; note: string; at: string},
): Ops<boolean> {
  const {changes} = yield* run(
    `UPDATE reconciliation_exceptions SET status = 'resolved', resolved_at = @at, resolved_by = @actor,
         resolution_note = @note WHERE id = @id`,
    {id, ...by},
  )
  return changes > 0
})

/** Per site: the open exceptions its latest run found (status). */
export const openExceptionsBySite = dual(function* openExceptionsBySite(): Ops<
  Array<{site: string; open: number; run: number}>
> {
  return yield* all<{site: string; open: number; run: number}>(
    `SELECT r.site AS site, r.id AS run,
         (SELECT count(*) FROM reconciliation_exceptions e WHERE e.site = r.site AND e.last_run = r.id AND e.status = 'open') AS open
       FROM reconciliation_runs r WHERE r.id = (SELECT max(id) FROM reconciliation_runs WHERE site = r.site) ORDER BY r.site`,
  )
})

interface RunRow {
  id: number
  site: string
  from_at: string | null
  to_at: string | null
  providers_json: string
  tolerance: string
  window_days: number
  actor: string
  at: string
  exceptions: number
  open_exceptions: number
  summary_json: string
}

interface ExceptionRow {
  id: string
  site: string
  class: string
  subject: string
  facts_sha256: string
  detail_json: string
  status: 'open' | 'resolved'
  first_run: number
  last_run: number
  resolved_at: string | null
  resolved_by: string | null
  resolution_note: string | null
}

function toRun(r: RunRow): Omit<StoredRun, 'found'> {
  return {
    id: r.id,
    site: r.site,
    from: r.from_at,
    to: r.to_at,
    providers: JSON.parse(r.providers_json) as string[],
    tolerance: r.tolerance,
    windowDays: r.window_days,
    actor: r.actor,
    at: r.at,
    exceptions: r.exceptions,
    openExceptions: r.open_exceptions,
    summaryJson: r.summary_json,
  }
}

function toException(r: ExceptionRow): StoredException {
  return {
    id: r.id,
    site: r.site,
    class: r.class,
    subject: r.subject,
    factsSha256: r.facts_sha256,
    detailJson: r.detail_json,
    status: r.status,
    firstRun: r.first_run,
    lastRun: r.last_run,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolutionNote: r.resolution_note,
  }
}
