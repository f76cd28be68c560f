import type {Migration} from './migration.js'

/**
 * Reconciliation runs and their exceptions (issue 11). New names, not the pre-release `reconcile_*` tables that
 * migration 002 drops: those had another shape (an exception per run, an integer id), and a file can still hold them
 * until 002 has run.
 *
 * An exception's id is derived from its cause (site, class and what it is about), so the same cause keeps its id
 * from run to run, and a resolution stays until its facts change (facts_sha256). A run keeps its summary and which
 * exceptions it found with the facts it saw, not every invoice: at a million invoices that would be most of the file.
 */
export const reconcileTables: Migration = {
  version: 10,
  name: '005-reconcile',
  up(db) {
    db.exec(`
CREATE TABLE reconciliation_runs (
  id               INTEGER PRIMARY KEY,
  site             TEXT NOT NULL REFERENCES sites(id),
  from_at          TEXT,
  to_at            TEXT,
  providers_json   TEXT NOT NULL,                 -- JSON array; [] = every provider
  tolerance        TEXT NOT NULL,
  window_days      INTEGER NOT NULL CHECK (window_days > 0),
  actor            TEXT NOT NULL,
  at               TEXT NOT NULL,                 -- the run's time: what "overdue" is measured against
  exceptions       INTEGER NOT NULL CHECK (exceptions >= 0),
  open_exceptions  INTEGER NOT NULL CHECK (open_exceptions >= 0),
  summary_json     TEXT NOT NULL,                 -- the run's result without its exceptions list
  found_json       TEXT NOT NULL                  -- [[exception id, facts_sha256], ...] as this run saw them
) STRICT;
CREATE INDEX reconciliation_runs_site ON reconciliation_runs(site, id);

CREATE TABLE reconciliation_exceptions (
  id               TEXT PRIMARY KEY,
  site             TEXT NOT NULL REFERENCES sites(id),
  class            TEXT NOT NULL,
  subject          TEXT NOT NULL,                 -- invoice:<ids> or txn:<id>: the cause the id is derived from
  facts_sha256     TEXT NOT NULL CHECK (length(facts_sha256) = 64),
  detail_json      TEXT NOT NULL,                 -- the latest facts, as the run printed them
  status           TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  first_run        INTEGER NOT NULL REFERENCES reconciliation_runs(id),
  last_run         INTEGER NOT NULL REFERENCES reconciliation_runs(id),
  resolved_at      TEXT,
  resolved_by      TEXT,
  resolution_note  TEXT,
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND resolved_by IS NOT NULL AND resolution_note IS NOT NULL))
) STRICT;
CREATE INDEX reconciliation_exceptions_site ON reconciliation_exceptions(site, last_run, status);
CREATE INDEX reconciliation_exceptions_resolved ON reconciliation_exceptions(site, status) WHERE status = 'resolved';
`)
  },
}
