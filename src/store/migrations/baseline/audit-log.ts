/**
 * Part of the baseline (001-baseline.ts): the hash-chained audit log. Shipped with 0.1.0, so never edited: a
 * change is a new migration.
 */
export const AUDIT_LOG_SQL = `
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
