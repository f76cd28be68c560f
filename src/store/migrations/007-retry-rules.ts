import type {Migration} from './migration.js'

/**
 * Issue 13 (classification of declines, card-network rules): what admins configure about retry decisions, and what
 * they need to see to configure it (docs/gateways.md#declines-and-retries).
 * - retry_code_overrides: an admin's decision for one gateway kind's code, which replaces the adapter's table (a
 *   gateway advice value is the code `advice:<value>`). Kept in the ledger rather than a file in the home: the sync
 *   (on its writer thread) and the retry engine read it inside the very transaction that decides, every change is
 *   audited in the same commit, and a backup or restore carries it with the ledger it was decided for.
 * - retry_network_settings: the card-network rules that differ from the documented defaults (a missing row is the
 *   default, so a later change of default reaches every ledger that never chose otherwise).
 * - decline_codes: every code a failed payment came with, per provider, how often, and how the adapter decided it;
 *   `unmapped_count` is what `retry codes --unmapped` and status show an admin.
 */
const RETRY_RULES_SQL = `
CREATE TABLE retry_code_overrides (
  kind        TEXT NOT NULL CHECK (length(kind) > 0),
  code        TEXT NOT NULL CHECK (length(code) > 0),
  decision    TEXT NOT NULL CHECK (decision IN ('retry', 'terminal', 'unknown')),
  note        TEXT,
  updated_at  TEXT NOT NULL,
  updated_by  TEXT NOT NULL,
  PRIMARY KEY (kind, code)
) STRICT, WITHOUT ROWID;

CREATE TABLE retry_network_settings (
  name        TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  updated_by  TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE decline_codes (
  provider        TEXT NOT NULL,
  kind            TEXT NOT NULL,
  code            TEXT NOT NULL CHECK (length(code) > 0),
  seen_count      INTEGER NOT NULL DEFAULT 1 CHECK (seen_count >= 1),
  unmapped_count  INTEGER NOT NULL DEFAULT 0 CHECK (unmapped_count BETWEEN 0 AND seen_count),
  last_basis      TEXT NOT NULL CHECK (last_basis IN ('advice', 'table', 'unmapped')),
  last_decision   TEXT NOT NULL CHECK (last_decision IN ('retry', 'terminal', 'unknown')),
  last_message    TEXT NOT NULL,
  last_txn_id     TEXT NOT NULL,
  first_seen_at   TEXT NOT NULL,
  last_seen_at    TEXT NOT NULL,
  PRIMARY KEY (provider, code)
) STRICT, WITHOUT ROWID;
`

export const retryRules: Migration = {
  version: 12,
  name: '007-retry-rules',
  up(db) {
    db.exec(RETRY_RULES_SQL)
  },
}
