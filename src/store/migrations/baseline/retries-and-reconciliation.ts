/**
 * Part of the baseline (001-baseline.ts): payment retries and reconciliation results. Shipped with 0.1.0, so never
 * edited: a change is a new migration. So far the reports only read these (metrics, status) and the purge clears
 * retries; the retry and reconcile work will write them.
 */
export const RETRIES_AND_RECONCILIATION_SQL = `
-- One retry chain per failed payment (UNIQUE txn_id makes enqueueing idempotent).
CREATE TABLE retries (
  id                INTEGER PRIMARY KEY,
  provider          TEXT NOT NULL,             -- where the original payment failed
  txn_id            TEXT NOT NULL UNIQUE,
  customer          TEXT,
  site              TEXT,
  invoice_ref       TEXT,
  amount_minor      INTEGER NOT NULL CHECK (amount_minor > 0),
  currency          TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  reason            TEXT,                      -- the original decline code (retry report byReason)
  attempt           INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts      INTEGER NOT NULL CHECK (max_attempts >= 0),
  next_at           TEXT,
  status            TEXT NOT NULL,             -- pending | in_flight | recovered | exhausted | terminal | canceled
  last_decision     TEXT CHECK (last_decision IS NULL OR last_decision IN ('retry', 'terminal', 'unknown')),
  last_error        TEXT,
  idempotency_key   TEXT,                      -- of the attempt in flight: reused if that attempt is repeated
  recovered_txn_id  TEXT,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
) STRICT;
CREATE INDEX retries_due ON retries(status, next_at);
CREATE INDEX retries_provider ON retries(provider, status);

CREATE TABLE retry_attempts (
  retry_id         INTEGER NOT NULL REFERENCES retries(id) ON DELETE CASCADE,
  attempt          INTEGER NOT NULL CHECK (attempt >= 1),
  provider         TEXT NOT NULL,              -- may be the fallback
  idempotency_key  TEXT NOT NULL,
  started_at       TEXT NOT NULL,
  finished_at      TEXT,
  outcome          TEXT,                       -- succeeded | pending | failed | unknown
  decision         TEXT CHECK (decision IS NULL OR decision IN ('retry', 'terminal', 'unknown')),
  external_id      TEXT,
  error            TEXT,
  PRIMARY KEY (retry_id, attempt)
) STRICT, WITHOUT ROWID;

CREATE TABLE reconcile_runs (
  id          TEXT PRIMARY KEY,
  site        TEXT NOT NULL,
  provider    TEXT,
  from_at     TEXT,
  to_at       TEXT,
  tolerance   TEXT,
  actor       TEXT NOT NULL,
  counts_json TEXT NOT NULL CHECK (json_valid(counts_json)),
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX reconcile_runs_site ON reconcile_runs(site, created_at);

CREATE TABLE reconcile_exceptions (
  id                 INTEGER PRIMARY KEY,
  run_id             TEXT NOT NULL REFERENCES reconcile_runs(id) ON DELETE CASCADE,
  class              TEXT NOT NULL,
  invoice            TEXT,
  transactions_json  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(transactions_json)),
  expected_minor     INTEGER,
  expected_currency  TEXT,
  actual_minor       INTEGER,
  actual_currency    TEXT,
  note               TEXT,
  status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  resolved_at        TEXT,
  resolved_by        TEXT,
  resolution_note    TEXT
) STRICT;
CREATE INDEX reconcile_exceptions_run ON reconcile_exceptions(run_id, status);
`
