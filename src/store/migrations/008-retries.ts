import type {Migration} from './migration.js'

/**
 * Issue 13 (automated retries of failed payments, with fallback, never a double charge). 002 dropped the
 * pre-release tables of these names, which nothing had written; these are created afresh.
 *
 * - payment_methods: the customer's stored payment method at a gateway (a card-on-file id, a token, a vault id),
 *   keyed like customer_refs by a provider id or a gateway kind. A retry charges it; a fallback is used only where
 *   the customer has one.
 * - retries: one chain per failed payment that is worth retrying, from the failure to its end.
 * - retry_attempts: every request of a chain, written BEFORE it is sent (status `sending`), with the exact request
 *   and its idempotency key, so a process killed mid-request leaves a row that says so and the request can be asked
 *   about (or re-sent unchanged under the same key) instead of being sent anew.
 */
const RETRIES_SQL = `
CREATE TABLE payment_methods (
  customer      TEXT NOT NULL REFERENCES customers(id),
  provider_key  TEXT NOT NULL CHECK (length(provider_key) > 0),
  method_ref    TEXT NOT NULL CHECK (length(method_ref) BETWEEN 1 AND 256),
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (customer, provider_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE retries (
  id              INTEGER PRIMARY KEY,
  txn_id          TEXT NOT NULL UNIQUE,        -- the failed payment, '<provider>:<externalId>'
  provider        TEXT NOT NULL,               -- its provider: the primary
  customer_id     TEXT NOT NULL REFERENCES customers(id),
  site_id         TEXT NOT NULL REFERENCES sites(id),
  invoice_ref     TEXT,
  amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
  currency        TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  failure_code    TEXT NOT NULL,
  failed_at       TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('queued', 'resolving', 'recovered', 'exhausted', 'stopped',
                    'canceled', 'superseded')),
  slots_used      INTEGER NOT NULL DEFAULT 0 CHECK (slots_used >= 0),
  next_at         TEXT,                        -- open chains: when the engine looks at it next
  note            TEXT NOT NULL,               -- why it is where it is: the last decision and its reason
  recovered_txn   TEXT,                        -- the payment that recovered it
  recovered_via   TEXT CHECK (recovered_via IS NULL OR recovered_via IN ('primary', 'fallback')),
  recovered_slot  INTEGER,
  queued_at       TEXT NOT NULL,
  finished_at     TEXT,
  updated_at      TEXT NOT NULL,
  CHECK ((status IN ('queued', 'resolving')) = (next_at IS NOT NULL)),
  CHECK ((status IN ('queued', 'resolving')) = (finished_at IS NULL)),
  CHECK ((status = 'recovered') = (recovered_txn IS NOT NULL AND recovered_via IS NOT NULL))
) STRICT;
CREATE INDEX retries_due ON retries(next_at) WHERE next_at IS NOT NULL;
CREATE INDEX retries_finished ON retries(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX retries_customer ON retries(customer_id, invoice_ref);

CREATE TABLE retry_attempts (
  id               INTEGER PRIMARY KEY,
  retry_id         INTEGER NOT NULL REFERENCES retries(id),
  seq              INTEGER NOT NULL CHECK (seq >= 1),
  slot             INTEGER NOT NULL CHECK (slot >= 1),
  provider         TEXT NOT NULL,
  route            TEXT NOT NULL CHECK (route IN ('primary', 'fallback')),
  route_reason     TEXT NOT NULL,
  method_ref       TEXT NOT NULL,              -- the payment method charged: the card-network caps count per card
  idempotency_key  TEXT NOT NULL UNIQUE,
  request_json     TEXT NOT NULL,              -- exactly what was sent (no secret): re-sent unchanged to learn its outcome
  status           TEXT NOT NULL CHECK (status IN ('sending', 'unknown', 'pending', 'succeeded', 'failed', 'not_sent')),
  external_id      TEXT,
  failure_code     TEXT,
  failure_message  TEXT,
  decision         TEXT CHECK (decision IS NULL OR decision IN ('retry', 'terminal', 'unknown')),
  reason           TEXT,                       -- why that decision (core/retry/classification.ts RetryVerdict.reason)
  failure_origin   TEXT CHECK (failure_origin IS NULL OR failure_origin IN ('decline', 'request')),
  network          TEXT,                       -- what the card-network caps read: the card's network,
  network_code     TEXT,                       -- the issuer's response code
  network_advice   TEXT,                       -- and Mastercard's merchant advice code, when the gateway gave them
  detail           TEXT,                       -- why the outcome is unknown, or how it was learned
  checks           INTEGER NOT NULL DEFAULT 0 CHECK (checks >= 0),
  started_at       TEXT NOT NULL,
  finished_at      TEXT,
  UNIQUE (retry_id, seq)
) STRICT;
CREATE INDEX retry_attempts_external ON retry_attempts(provider, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX retry_attempts_started ON retry_attempts(started_at);
CREATE INDEX retry_attempts_card ON retry_attempts(provider, method_ref, started_at);
`

export const retries: Migration = {
  version: 13,
  name: '008-retries',
  up(db) {
    db.exec(RETRIES_SQL)
  },
}
