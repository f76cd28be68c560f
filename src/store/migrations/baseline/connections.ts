/**
 * Part of the baseline (001-baseline.ts): gateway connections, the sites they serve and their access grants.
 * Shipped with 0.1.0, so never edited: a change is a new migration.
 */
export const CONNECTIONS_SQL = `
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
`
