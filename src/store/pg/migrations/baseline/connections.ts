/** Providers, the sites they serve and the grants: SQLite's baseline/connections.ts. */
export const CONNECTIONS_SQL = `
CREATE TABLE providers (
  id              text COLLATE "C" PRIMARY KEY
                    CHECK (length(id) BETWEEN 1 AND 64 AND id !~ '[^A-Za-z0-9_.-]' AND id <> 'invoice'),
  kind            text COLLATE "C" NOT NULL CHECK (length(kind) > 0),
  base_url        text COLLATE "C",
  settings_json   text COLLATE "C" NOT NULL DEFAULT '{}' CHECK (settings_json IS JSON OBJECT),
  enabled         bigint NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  fallback        text COLLATE "C" REFERENCES providers(id) ON DELETE SET NULL CHECK (fallback IS NULL OR fallback <> id),
  retry_schedule  text COLLATE "C",
  max_retries     bigint CHECK (max_retries IS NULL OR max_retries >= 0),
  created_at      text COLLATE "C" NOT NULL,
  updated_at      text COLLATE "C" NOT NULL
);

CREATE TABLE provider_sites (
  provider  text COLLATE "C" NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
  site      text COLLATE "C" NOT NULL REFERENCES sites(id),
  PRIMARY KEY (provider, site)
);
CREATE INDEX provider_sites_site ON provider_sites(site);

CREATE TABLE grants (
  provider    text COLLATE "C" NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
  segment     text COLLATE "C" NOT NULL CHECK (length(segment) > 0),
  site        text COLLATE "C" NOT NULL CHECK (length(site) > 0),
  access      text COLLATE "C" NOT NULL CHECK (access IN ('read', 'write')),
  created_at  text COLLATE "C" NOT NULL,
  PRIMARY KEY (provider, segment, site)
);
`
