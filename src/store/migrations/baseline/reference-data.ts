/**
 * Part of the baseline (001-baseline.ts): the YMS's sites, customers and invoices, and FX rates. Shipped with
 * 0.1.0, so never edited: a change is a new migration.
 */
export const REFERENCE_DATA_SQL = `
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
`
