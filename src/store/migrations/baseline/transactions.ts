/**
 * Part of the baseline (001-baseline.ts): the mirror of every gateway object and its state history. Shipped with
 * 0.1.0, so never edited: a change is a new migration.
 *
 * Shaped for the sync's write path, where every randomly placed index leaf a page touches is a 4 KB WAL frame at
 * commit (test/bench/writer.ts):
 * - transactions has an integer `seq` (its rowid, in arrival order) and history rows are keyed by (txn_seq,
 *   version), so a new transaction's rows land at the end of each tree instead of at a random leaf;
 * - no UNIQUE (provider, external_id): the UNIQUE text id guarantees it through CHECK (id = provider || ':' || external_id);
 * - no json_valid() on the JSON columns the code itself serializes, and no normalized_json: every field of a
 *   normalized transaction has a column except its metadata (metadata_json), so two rows share a page;
 * - no customer/time index (a random leaf per transaction, ~20% of a page's frames): a customer's transactions are
 *   found by scanning transactions_site_time, which carries customer_id. No time-ordered index either: a backfill
 *   arrives newest first, and inserting at the low end of an index is SQLite's worst case (measured: ~20% of a page).
 * provider is deliberately not a foreign key: removing a connection keeps its history (only `providers remove
 * --purge` deletes it).
 */
export const TRANSACTIONS_SQL = `
-- One row per gateway object, always its latest known state. version increments on every change the
-- sync applies; the ledger is idempotent by (id, version).
CREATE TABLE transactions (
  seq                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,        -- '<provider>:<externalId>'
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
  raw_json            TEXT NOT NULL,
  first_seen_at       TEXT NOT NULL,
  last_seen_at        TEXT NOT NULL,
  metadata_json       TEXT NOT NULL DEFAULT '{}',
  CHECK (id = provider || ':' || external_id),
  CHECK ((fee_minor IS NULL) = (fee_currency IS NULL)),
  CHECK ((net_minor IS NULL) = (net_currency IS NULL))
) STRICT;
CREATE INDEX transactions_parent ON transactions(provider, parent_external_id) WHERE parent_external_id IS NOT NULL;
CREATE INDEX transactions_site_time ON transactions(site_id, occurred_at, customer_id);
CREATE INDEX transactions_provider_time ON transactions(provider, occurred_at);
CREATE INDEX transactions_status ON transactions(status, type);

-- Every state a transaction has been seen in (transactions show: state history).
CREATE TABLE transaction_states (
  txn_seq             INTEGER NOT NULL REFERENCES transactions(seq) ON DELETE CASCADE,
  txn_id              TEXT NOT NULL,
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
  PRIMARY KEY (txn_seq, version)
) STRICT, WITHOUT ROWID;
`
