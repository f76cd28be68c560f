import type {Migration} from './migration.js'

/**
 * Everything the sync engine commits in its one immediate transaction per page (ARCHITECTURE "Data flow"):
 * transactions + state history, ledger postings, retries, alert outbox, latency samples, cursors, webhook
 * events, quarantine; plus the run/call logs the reports read. Provider columns here are deliberately not
 * foreign keys: removing a connection keeps its history (only `providers remove --purge` deletes it).
 */
const SQL = `
-- One row per gateway object, always its latest known state. version increments on every change the
-- sync applies; the ledger is idempotent by (id, version).
CREATE TABLE transactions (
  id                  TEXT PRIMARY KEY,            -- '<provider>:<externalId>'
  provider            TEXT NOT NULL,
  kind                TEXT NOT NULL,
  external_id         TEXT NOT NULL CHECK (length(external_id) > 0),
  parent_external_id  TEXT,
  type                TEXT NOT NULL,
  status              TEXT NOT NULL,
  amount_minor        INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency            TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  fee_minor           INTEGER,
  fee_currency        TEXT CHECK (fee_currency IS NULL OR fee_currency GLOB '[A-Z][A-Z][A-Z]'),
  net_minor           INTEGER,
  net_currency        TEXT CHECK (net_currency IS NULL OR net_currency GLOB '[A-Z][A-Z][A-Z]'),
  customer_id         TEXT REFERENCES customers(id),  -- resolved from customer_ref (or the parent's)
  site_id             TEXT REFERENCES sites(id),
  customer_ref        TEXT,
  invoice_ref         TEXT,
  site_ref            TEXT,
  failure_code        TEXT,
  failure_message     TEXT,
  failure_decision    TEXT CHECK (failure_decision IS NULL OR failure_decision IN ('retry', 'terminal', 'unknown')),
  occurred_at         TEXT NOT NULL,
  updated_at          TEXT NOT NULL,               -- the gateway's time of the latest state
  version             INTEGER NOT NULL CHECK (version >= 1),
  normalized_json     TEXT NOT NULL CHECK (json_valid(normalized_json)),
  raw_json            TEXT NOT NULL CHECK (json_valid(raw_json)),
  first_seen_at       TEXT NOT NULL,
  last_seen_at        TEXT NOT NULL,
  CHECK (id = provider || ':' || external_id),
  CHECK ((fee_minor IS NULL) = (fee_currency IS NULL)),
  CHECK ((net_minor IS NULL) = (net_currency IS NULL)),
  UNIQUE (provider, external_id)
) STRICT;
CREATE INDEX transactions_parent ON transactions(provider, parent_external_id) WHERE parent_external_id IS NOT NULL;
CREATE INDEX transactions_site_time ON transactions(site_id, occurred_at);
CREATE INDEX transactions_customer_time ON transactions(customer_id, occurred_at);
CREATE INDEX transactions_provider_time ON transactions(provider, occurred_at);
CREATE INDEX transactions_status ON transactions(status, type);
CREATE INDEX transactions_invoice ON transactions(invoice_ref) WHERE invoice_ref IS NOT NULL;

-- Every state a transaction has been seen in (transactions show: state history).
CREATE TABLE transaction_states (
  txn_id              TEXT NOT NULL REFERENCES transactions(id) ON DELETE CASCADE,
  version             INTEGER NOT NULL CHECK (version >= 1),
  status              TEXT NOT NULL,
  amount_minor        INTEGER NOT NULL,
  currency            TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  fee_minor           INTEGER,
  fee_currency        TEXT,
  gateway_updated_at  TEXT NOT NULL,
  source              TEXT NOT NULL,               -- pull | webhook | replay | retry
  raw_sha256          TEXT NOT NULL CHECK (length(raw_sha256) = 64),
  recorded_at         TEXT NOT NULL,
  PRIMARY KEY (txn_id, version)
) STRICT, WITHOUT ROWID;

-- Double-entry, append-only. txn_id is what was posted: a transaction id or 'invoice:<id>'. Each
-- (txn_id, version) posting set sums to zero per currency; a state change posts the difference as a new version.
-- Accounts: customer:<id> | clearing:<provider> | fees:<provider> | revenue:<site>.
CREATE TABLE ledger_postings (
  id            INTEGER PRIMARY KEY,
  txn_id        TEXT NOT NULL,
  version       INTEGER NOT NULL CHECK (version >= 1),
  account       TEXT NOT NULL CHECK (account GLOB '?*:?*'),
  amount_minor  INTEGER NOT NULL CHECK (amount_minor <> 0),  -- signed: debit > 0, credit < 0
  currency      TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  provider      TEXT,                                        -- NULL for invoice postings
  site          TEXT,
  customer      TEXT,
  posted_at     TEXT NOT NULL,
  UNIQUE (txn_id, version, account, currency)
) STRICT;
CREATE INDEX ledger_postings_account ON ledger_postings(account, currency);
CREATE INDEX ledger_postings_customer ON ledger_postings(customer, currency) WHERE customer IS NOT NULL;
CREATE INDEX ledger_postings_site ON ledger_postings(site, posted_at);
CREATE INDEX ledger_postings_provider ON ledger_postings(provider) WHERE provider IS NOT NULL;

-- The only sanctioned delete of postings is 'providers remove --purge': it inserts the provider here, deletes,
-- and removes the row again, all in one transaction. Everything else is refused by the triggers.
CREATE TABLE ledger_purges (
  provider  TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only'); END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
WHEN OLD.provider IS NULL OR NOT EXISTS (SELECT 1 FROM ledger_purges WHERE provider = OLD.provider)
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only'); END;

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
  updated_at   TEXT NOT NULL
) STRICT;
-- A page pulled twice must not quarantine the same object twice: one open item per gateway object.
CREATE UNIQUE INDEX quarantine_open_object ON quarantine(provider, external_id)
  WHERE status = 'open' AND external_id IS NOT NULL;
CREATE INDEX quarantine_status ON quarantine(status, provider);

-- Verified deliveries, stored before the 2xx. headers are redacted; body is the exact bytes.
CREATE TABLE webhook_events (
  id            INTEGER PRIMARY KEY,
  provider      TEXT NOT NULL,
  dedup_key     TEXT NOT NULL,
  received_at   TEXT NOT NULL,
  url           TEXT,
  headers_json  TEXT NOT NULL CHECK (json_valid(headers_json)),
  body          BLOB NOT NULL,
  status        TEXT NOT NULL,                 -- received | applied | failed | ignored
  events        INTEGER NOT NULL DEFAULT 0,
  error         TEXT,
  processed_at  TEXT,
  UNIQUE (provider, dedup_key)
) STRICT;
CREATE INDEX webhook_events_received ON webhook_events(provider, received_at);

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

-- Alert destinations. url is NULL when it is itself a secret (e.g. a Slack webhook URL kept in the keychain).
CREATE TABLE alert_targets (
  id           TEXT PRIMARY KEY,
  url          TEXT,
  events_json  TEXT NOT NULL CHECK (json_valid(events_json) AND json_type(events_json) = 'array'),
  format       TEXT NOT NULL,
  enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
) STRICT;

-- Transactional outbox: written with the change that raised it, delivered afterwards.
CREATE TABLE alerts_outbox (
  id            INTEGER PRIMARY KEY,
  event         TEXT NOT NULL,
  dedup_key     TEXT UNIQUE,                   -- e.g. failed_transaction:<txn id>:<version>
  payload_json  TEXT NOT NULL CHECK (json_valid(payload_json)),
  created_at    TEXT NOT NULL,
  sent_at       TEXT,                          -- set once every matching target has it
  attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_at       TEXT,
  last_error    TEXT
) STRICT;
CREATE INDEX alerts_outbox_pending ON alerts_outbox(created_at) WHERE sent_at IS NULL;

CREATE TABLE alert_deliveries (
  outbox_id   INTEGER NOT NULL REFERENCES alerts_outbox(id) ON DELETE CASCADE,
  target      TEXT NOT NULL REFERENCES alert_targets(id) ON DELETE CASCADE,
  attempts    INTEGER NOT NULL DEFAULT 0,
  sent_at     TEXT,
  last_error  TEXT,
  PRIMARY KEY (outbox_id, target)
) STRICT, WITHOUT ROWID;

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

export const syncLedger: Migration = {
  version: 2,
  name: '002-sync-ledger',
  up(db) {
    db.exec(SQL)
  },
}
