import type {Migration} from './migration.js'

/**
 * Reference data from the YMS, gateway connections, access grants, FX rates and the audit chain.
 * Conventions for every table: STRICT typing; money as INTEGER minor units + upper-case ISO 4217 TEXT;
 * times as ISO-8601 UTC TEXT; JSON columns checked with json_valid. Vocabularies the services own (gateway
 * kinds, statuses) are not CHECKed, so adding a gateway never needs a table rebuild.
 */
const SQL = `
CREATE TABLE sites (
  id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  name        TEXT NOT NULL,
  currency    TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  country     TEXT CHECK (country IS NULL OR country GLOB '[A-Z][A-Z]'),
  timezone    TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

-- segment NULL = none given; grants with segment '*' still match it. '*' itself is reserved for grants.
CREATE TABLE customers (
  id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  site        TEXT NOT NULL REFERENCES sites(id),
  segment     TEXT CHECK (segment IS NULL OR (length(segment) > 0 AND segment <> '*')),
  name        TEXT,
  email       TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX customers_site_segment ON customers(site, segment);
CREATE INDEX customers_segment ON customers(segment);

-- The customer's id at a gateway, from the YMS CSV column ref.<provider_key>. provider_key is what follows
-- "ref.": a gateway kind (as the sandbox exports) or a provider id; sync looks up by provider id, then kind.
CREATE TABLE customer_refs (
  customer      TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  provider_key  TEXT NOT NULL CHECK (length(provider_key) > 0),
  external_ref  TEXT NOT NULL CHECK (length(external_ref) > 0),
  PRIMARY KEY (customer, provider_key),
  UNIQUE (provider_key, external_ref)
) STRICT, WITHOUT ROWID;

CREATE TABLE invoices (
  id            TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  site          TEXT NOT NULL REFERENCES sites(id),
  customer      TEXT NOT NULL REFERENCES customers(id),
  amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency      TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  issued_at     TEXT NOT NULL,
  due_at        TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX invoices_customer ON invoices(customer, issued_at);
CREATE INDEX invoices_site_due ON invoices(site, due_at);

-- Never a secret column: secrets live in the OS keychain. Provider ids appear in transaction ids
-- ('<provider>:<externalId>') and env var names, hence the character set; 'invoice' is reserved for
-- ledger entries posted from invoices ('invoice:<id>').
CREATE TABLE providers (
  id              TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^A-Za-z0-9_.-]*' AND id <> 'invoice'),
  kind            TEXT NOT NULL CHECK (length(kind) > 0),
  base_url        TEXT,
  settings_json   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings_json) AND json_type(settings_json) = 'object'),
  enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  fallback        TEXT REFERENCES providers(id) ON DELETE SET NULL CHECK (fallback IS NULL OR fallback <> id),
  retry_schedule  TEXT,
  max_retries     INTEGER CHECK (max_retries IS NULL OR max_retries >= 0),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE provider_sites (
  provider  TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
  site      TEXT NOT NULL REFERENCES sites(id),
  PRIMARY KEY (provider, site)
) STRICT, WITHOUT ROWID;
CREATE INDEX provider_sites_site ON provider_sites(site);

-- Default deny: a provider reads/writes a customer only when a grant matches its segment and site ('*' = any).
CREATE TABLE grants (
  provider    TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
  segment     TEXT NOT NULL CHECK (length(segment) > 0),
  site        TEXT NOT NULL CHECK (length(site) > 0),
  access      TEXT NOT NULL CHECK (access IN ('read', 'write')),
  created_at  TEXT NOT NULL,
  PRIMARY KEY (provider, segment, site)
) STRICT, WITHOUT ROWID;

-- rate is an exact decimal string (quote units per 1 base unit). Keyed (base, quote, date) so
-- "latest rate on or before a date" is one index seek.
CREATE TABLE fx_rates (
  base        TEXT NOT NULL CHECK (base GLOB '[A-Z][A-Z][A-Z]'),
  quote       TEXT NOT NULL CHECK (quote GLOB '[A-Z][A-Z][A-Z]' AND quote <> base),
  date        TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  rate        TEXT NOT NULL CHECK (rate GLOB '*[0-9]*' AND rate NOT GLOB '*[^0-9.]*' AND rate NOT GLOB '*.*.*'
                                   AND rate NOT GLOB '.*' AND rate NOT GLOB '*.' AND rtrim(replace(rate, '.', ''), '0') <> ''),
  source      TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (base, quote, date)
) STRICT, WITHOUT ROWID;
CREATE INDEX fx_rates_date ON fx_rates(date);

-- Hash-chained, append-only. seq is assigned by the writer (max + 1 under the write lock) because it is hashed.
CREATE TABLE audit_log (
  seq           INTEGER PRIMARY KEY CHECK (seq >= 1),
  at            TEXT NOT NULL,
  actor         TEXT NOT NULL,
  action        TEXT NOT NULL,
  provider      TEXT,
  subject       TEXT,
  outcome       TEXT NOT NULL,
  details_json  TEXT NOT NULL CHECK (json_valid(details_json)),
  prev_hash     TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash          TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
) STRICT;
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_action ON audit_log(action);
CREATE INDEX audit_log_provider ON audit_log(provider);
CREATE INDEX audit_log_actor ON audit_log(actor);
CREATE INDEX audit_log_subject ON audit_log(subject); -- transactions show: the audit trail of one object

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`

export const foundation: Migration = {
  version: 1,
  name: '001-foundation',
  up(db) {
    db.exec(SQL)
  },
}
