import type {Migration} from './migration.js'

/**
 * Alerts (docs/alerts.md): where they go, what waits to go, and the conditions that keep a flapping gateway from
 * sending a flood. Migration 002 dropped pre-release tables of the same names that nothing had written; these are
 * new. No column holds a secret: a target's signing keys (and a Slack target's URL, which is its credential) live in
 * the keychain under `alert:<id>` (services/alerts/target-secrets.ts).
 *
 * - alert_targets: one receiver each. `url` is what the admin sees: the real URL for a `standard` target, a masked
 *   one for `slack`. `events` is a comma-separated list of event names. `rotation_ends_at`: until then the previous
 *   signing key also signs (Standard Webhooks lets a sender list several signatures).
 * - alerts_outbox: one row per alert, written in the transaction of its cause. `message_id` is the `webhook-id`
 *   every attempt and every target sees (unique by construction: a random prefix per process and a counter, so
 *   not indexed); `dedup_key` (unique where set) makes raising the same alert twice a no-op; `order_key` (the
 *   customer, else the provider, else the subject) is what deliveries are ordered by; `payload` is the exact body a
 *   `standard` target receives.
 * - alert_deliveries: one row per alert and target, created with the alert. Deliveries of one target that share an
 *   order key go out one at a time in outbox order (the partial index finds each key's oldest pending one).
 *
 * A sync raises an alert per payment when balance_changed is subscribed, inside the page's transaction: the tables
 * carry as few indexes as the delivery needs (test/bench/alerts.ts measures the cost).
 * - alert_conditions: state that outlives a run (`gateway:<provider>` down or recovering, `sync:<provider>` failing
 *   with a code), so that an alert is raised on a change of state, not on every run.
 */
const ALERTS_SQL = `
CREATE TABLE alert_targets (
  id                TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^A-Za-z0-9_.-]*'),
  url               TEXT NOT NULL,
  format            TEXT NOT NULL CHECK (format IN ('standard', 'slack')),
  events            TEXT NOT NULL CHECK (events <> ''),
  enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  disabled_reason   TEXT,
  rotation_ends_at  TEXT,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
) STRICT;

CREATE TABLE alerts_outbox (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id  TEXT NOT NULL,
  event       TEXT NOT NULL,
  subject     TEXT NOT NULL,
  provider    TEXT,
  customer    TEXT,
  site        TEXT,
  order_key   TEXT NOT NULL,
  dedup_key   TEXT,
  payload     TEXT NOT NULL,
  raised_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX alerts_outbox_dedup ON alerts_outbox(dedup_key) WHERE dedup_key IS NOT NULL;

CREATE TABLE alert_deliveries (
  outbox_seq       INTEGER NOT NULL REFERENCES alerts_outbox(seq) ON DELETE CASCADE,
  target_id        TEXT NOT NULL REFERENCES alert_targets(id) ON DELETE CASCADE,
  order_key        TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  TEXT NOT NULL,
  last_attempt_at  TEXT,
  last_status      INTEGER,
  last_error       TEXT,
  delivered_at     TEXT,
  PRIMARY KEY (outbox_seq, target_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX alert_deliveries_queue ON alert_deliveries(target_id, order_key, outbox_seq) WHERE status = 'pending';

CREATE TABLE alert_conditions (
  key         TEXT PRIMARY KEY,
  state       TEXT NOT NULL,
  since       TEXT NOT NULL,
  changed_at  TEXT NOT NULL,
  detail      TEXT
) STRICT, WITHOUT ROWID;
`

export const alerts: Migration = {
  version: 11,
  name: '006-alerts',
  up(db) {
    db.exec(ALERTS_SQL)
  },
}
