import type {Migration} from './migration.js'

/**
 * Issue 15 (gateway fidelity):
 * - Merchant-level bookings (fee, payout, adjustment: money between the processor and the merchant) carry a SIGNED
 *   amount, so `transactions.amount_minor >= 0` holds for customer transactions only. SQLite cannot alter a CHECK,
 *   so the table is rebuilt (the 12-step way, keeping every row's seq, which postings and states are keyed by).
 * - What a gateway said that is deliberately not posted (a dispute hold, an undocumented event code) is counted per
 *   run (`sync_runs.skipped`) and kept in its own table, `sync_skipped`, not in quarantine: it is no problem to fix
 *   and nothing to replay, and the quarantine's open count is what status and alerts read as "needs an admin".
 * - A refund or dispute waits in quarantine (reason `awaiting_parent`) until its payment applies; the payment then
 *   looks its children up by their parent id, which this partial expression index serves.
 */
const TRANSACTIONS_SQL = `
CREATE TABLE transactions_new (
  seq                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,        -- '<provider>:<externalId>'
  provider            TEXT NOT NULL,
  kind                TEXT NOT NULL,
  external_id         TEXT NOT NULL CHECK (length(external_id) > 0),
  parent_external_id  TEXT,
  type                TEXT NOT NULL,
  status              TEXT NOT NULL,
  -- signed only for merchant-level bookings (src/core/transaction.ts)
  amount_minor        INTEGER NOT NULL CHECK (amount_minor >= 0 OR type IN ('fee', 'payout', 'adjustment')),
  currency            TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  fee_minor           INTEGER,
  fee_currency        TEXT CHECK (fee_currency IS NULL OR fee_currency GLOB '[A-Z][A-Z][A-Z]'),
  net_minor           INTEGER,
  net_currency        TEXT CHECK (net_currency IS NULL OR net_currency GLOB '[A-Z][A-Z][A-Z]'),
  customer_id         TEXT REFERENCES customers(id),  -- NULL for merchant-level bookings
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
INSERT INTO transactions_new (seq, id, provider, kind, external_id, parent_external_id, type, status, amount_minor,
  currency, fee_minor, fee_currency, net_minor, net_currency, customer_id, site_id, customer_ref, invoice_ref, site_ref,
  failure_code, failure_message, failure_decision, occurred_at, updated_at, version, raw_json, first_seen_at,
  last_seen_at, metadata_json)
SELECT seq, id, provider, kind, external_id, parent_external_id, type, status, amount_minor,
  currency, fee_minor, fee_currency, net_minor, net_currency, customer_id, site_id, customer_ref, invoice_ref, site_ref,
  failure_code, failure_message, failure_decision, occurred_at, updated_at, version, raw_json, first_seen_at,
  last_seen_at, metadata_json FROM transactions ORDER BY seq;
DROP TABLE transactions;
ALTER TABLE transactions_new RENAME TO transactions;
CREATE INDEX transactions_parent ON transactions(provider, parent_external_id) WHERE parent_external_id IS NOT NULL;
CREATE INDEX transactions_site_time ON transactions(site_id, occurred_at, customer_id);
CREATE INDEX transactions_provider_time ON transactions(provider, occurred_at);
CREATE INDEX transactions_status ON transactions(status, type);
`

const SKIPPED_SQL = `
ALTER TABLE sync_runs ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;

-- One row per gateway object seen and not posted (Page.skipped); seeing it again updates it. item_key is the
-- external id, or a hash of the raw payload for an object without one.
CREATE TABLE sync_skipped (
  id             INTEGER PRIMARY KEY,
  provider       TEXT NOT NULL,
  item_key       TEXT NOT NULL CHECK (length(item_key) > 0),
  external_id    TEXT,
  code           TEXT NOT NULL,                -- the gateway's code (event code, journal type)
  reason         TEXT NOT NULL,                -- why it is not posted; 'unknown_code' when undocumented
  raw_json       TEXT NOT NULL,
  source         TEXT NOT NULL,                -- pull | webhook
  seen_count     INTEGER NOT NULL DEFAULT 1 CHECK (seen_count >= 1),
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  UNIQUE (provider, item_key)
) STRICT;
CREATE INDEX sync_skipped_recent ON sync_skipped(last_seen_at);

CREATE INDEX quarantine_awaiting_parent ON quarantine(provider, json_extract(normalized_json, '$.parentExternalId'))
  WHERE status = 'open' AND reason = 'awaiting_parent';
`

export const merchantBookingsAndSkippedItems: Migration = {
  version: 8,
  name: '003-merchant-bookings-and-skipped-items',
  rebuildsReferencedTable: true,
  up(db) {
    db.exec(TRANSACTIONS_SQL)
    db.exec(SKIPPED_SQL)
  },
}
