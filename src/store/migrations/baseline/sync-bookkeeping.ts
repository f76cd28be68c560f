/**
 * Part of the baseline (001-baseline.ts): what the sync keeps beside the mirror (cursors, leases, quarantine,
 * webhook deliveries) and the run/call logs the reports read. Shipped with 0.1.0, so never edited: a change is a
 * new migration. Provider columns are deliberately not foreign keys: removing a connection keeps its history (only
 * `providers remove --purge` deletes it).
 */
export const SYNC_BOOKKEEPING_SQL = `
-- Opaque adapter cursor; committed in the same transaction as the page it follows.
CREATE TABLE sync_cursors (
  provider     TEXT PRIMARY KEY,
  cursor_json  TEXT NOT NULL CHECK (json_valid(cursor_json)),
  updated_at   TEXT NOT NULL
) STRICT;

-- One row per lock: a provider id for sync, or another job name ('retry', 'alerts').
CREATE TABLE leases (
  name         TEXT PRIMARY KEY,
  owner        TEXT NOT NULL,
  acquired_at  TEXT NOT NULL,
  expires_at   TEXT NOT NULL
) STRICT;

-- normalized_json: an item that was already a valid normalized transaction (unknown customer, access denied)
-- keeps that form beside the raw payload, so 'quarantine replay' re-applies exactly what the gateway said.
CREATE TABLE quarantine (
  id           INTEGER PRIMARY KEY,
  provider     TEXT NOT NULL,
  external_id  TEXT,
  reason       TEXT NOT NULL,                  -- access_denied | unknown_customer | invalid_payload | unsupported_currency
  detail       TEXT NOT NULL,
  raw_json     TEXT NOT NULL CHECK (json_valid(raw_json)),
  source       TEXT NOT NULL,                  -- pull | webhook
  status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'resolved')),
  seen_count   INTEGER NOT NULL DEFAULT 1 CHECK (seen_count >= 1),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  normalized_json TEXT CHECK (normalized_json IS NULL OR json_valid(normalized_json))
) STRICT;
-- A page pulled twice must not quarantine the same object twice: one open item per gateway object.
CREATE UNIQUE INDEX quarantine_open_object ON quarantine(provider, external_id)
  WHERE status = 'open' AND external_id IS NOT NULL;
CREATE INDEX quarantine_status ON quarantine(status, provider);


-- Every HTTP call to a gateway (metrics: calls, errors, uptime). endpoint is a label, never ids or secrets.
CREATE TABLE gateway_calls (
  id           INTEGER PRIMARY KEY,
  provider     TEXT NOT NULL,
  endpoint     TEXT NOT NULL,
  method       TEXT NOT NULL,
  status       INTEGER,
  outcome      TEXT NOT NULL,
  duration_ms  INTEGER NOT NULL CHECK (duration_ms >= 0),
  attempt      INTEGER NOT NULL CHECK (attempt >= 1),
  at           TEXT NOT NULL
) STRICT;
CREATE INDEX gateway_calls_provider_at ON gateway_calls(provider, at);

-- Gateway event time -> commit time, per applied transaction state (metrics: p50/p95/p99).
CREATE TABLE sync_latency (
  id            INTEGER PRIMARY KEY,
  provider      TEXT NOT NULL,
  txn_id        TEXT NOT NULL,
  source        TEXT NOT NULL,                 -- pull | webhook
  event_at      TEXT NOT NULL,
  committed_at  TEXT NOT NULL,
  latency_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX sync_latency_provider_at ON sync_latency(provider, committed_at);

CREATE TABLE sync_runs (
  id           INTEGER PRIMARY KEY,
  provider     TEXT NOT NULL,
  owner        TEXT,
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  status       TEXT NOT NULL,                  -- running | ok | failed | skipped_locked
  pages        INTEGER NOT NULL DEFAULT 0,
  fetched      INTEGER NOT NULL DEFAULT 0,
  inserted     INTEGER NOT NULL DEFAULT 0,
  updated      INTEGER NOT NULL DEFAULT 0,
  unchanged    INTEGER NOT NULL DEFAULT 0,
  quarantined  INTEGER NOT NULL DEFAULT 0,
  posted       INTEGER NOT NULL DEFAULT 0,
  error        TEXT
) STRICT;
CREATE INDEX sync_runs_provider ON sync_runs(provider, started_at);
`
