import type {Migration} from './migration.js'

/**
 * Issue 12 (`webhooks serve`): every verified delivery is stored with what it applied, in the transaction that
 * applies it, before the gateway is answered 2xx. One row per gateway event (its de-duplication key): a redelivery
 * only counts (deliveries, last_delivery_at), so the same event posted five times applies once.
 * - events_json: the verified translation, which `webhooks replay` re-applies (the signing secret may have been
 *   rotated since, and a signed timestamp outside its tolerance could not be verified again);
 * - body: the exact bytes received, for an admin's forensics; signature headers are not kept;
 * - status `fetching`: the event named objects to read from the gateway (a thin event, Adyen's REPORT_AVAILABLE),
 *   not read yet; `failed` once reading kept failing (the next pull closes the gap; replay tries again);
 * - commit_ms: receipt to the commit of its transaction (metrics: webhook-to-ledger latency).
 */
const WEBHOOK_EVENTS_SQL = `
CREATE TABLE webhook_events (
  id                INTEGER PRIMARY KEY,
  provider          TEXT NOT NULL,
  dedup_key         TEXT NOT NULL,
  received_at       TEXT NOT NULL,
  committed_at      TEXT NOT NULL,
  commit_ms         INTEGER NOT NULL CHECK (commit_ms >= 0),
  deliveries        INTEGER NOT NULL DEFAULT 1 CHECK (deliveries >= 1),
  last_delivery_at  TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('applied', 'fetching', 'failed')),
  summary           TEXT NOT NULL,
  events_json       TEXT NOT NULL CHECK (json_valid(events_json)),
  body              BLOB NOT NULL,
  applied_json      TEXT NOT NULL CHECK (json_valid(applied_json)),
  fetch_attempts    INTEGER NOT NULL DEFAULT 0 CHECK (fetch_attempts >= 0),
  next_fetch_at     TEXT,
  error             TEXT,
  UNIQUE (provider, dedup_key)
) STRICT;
CREATE INDEX webhook_events_received ON webhook_events(received_at);
CREATE INDEX webhook_events_fetching ON webhook_events(next_fetch_at) WHERE status = 'fetching';
`

export const webhookEvents: Migration = {
  version: 14,
  name: '009-webhook-events',
  up(db) {
    db.exec(WEBHOOK_EVENTS_SQL)
  },
}
