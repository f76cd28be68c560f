/**
 * Part of the baseline (001-baseline.ts): the double-entry ledger and its running balances. Shipped with 0.1.0,
 * so never edited: a change is a new migration.
 *
 * Postings are keyed by the transaction's arrival sequence (txn_seq), so a new transaction's postings land at the
 * end of the key instead of at a random leaf; invoice postings (txn_id 'invoice:<id>', no seq) have a text key of
 * their own, which the sync never touches. Balances are not read through account/site indexes on postings (a
 * random leaf per posting) but from ledger_balances, kept by triggers in the same statement as the posting: a few
 * hot pages, and balances can never drift from the postings they sum.
 */
export const LEDGER_SQL = `
-- Double-entry, append-only. txn_id is what was posted: a transaction id or 'invoice:<id>'. Each
-- (txn_id, version) posting set sums to zero per currency; a state change posts the difference as a new version.
-- Accounts: customer:<id> | clearing:<provider> | fees:<provider> | revenue:<site>.
CREATE TABLE ledger_postings (
  id            INTEGER PRIMARY KEY,
  txn_seq       INTEGER,                                     -- transactions.seq; NULL for an invoice's postings
  txn_id        TEXT NOT NULL,                               -- '<provider>:<externalId>' or 'invoice:<id>'
  version       INTEGER NOT NULL CHECK (version >= 1),
  account       TEXT NOT NULL CHECK (account GLOB '?*:?*'),
  amount_minor  INTEGER NOT NULL CHECK (amount_minor <> 0),  -- signed: debit > 0, credit < 0
  currency      TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  provider      TEXT,                                        -- NULL for invoice postings
  site          TEXT,
  customer      TEXT,
  posted_at     TEXT NOT NULL,
  CHECK (txn_seq IS NOT NULL OR txn_id GLOB 'invoice:?*')
) STRICT;
CREATE UNIQUE INDEX ledger_postings_txn ON ledger_postings(txn_seq, version, account, currency) WHERE txn_seq IS NOT NULL;
CREATE UNIQUE INDEX ledger_postings_document ON ledger_postings(txn_id, version, account, currency) WHERE txn_seq IS NULL;
CREATE INDEX ledger_postings_provider ON ledger_postings(provider) WHERE provider IS NOT NULL;

-- The only sanctioned delete of postings is 'providers remove --purge': it inserts the provider here, deletes,
-- and removes the row again, all in one transaction. Everything else is refused by the triggers.
CREATE TABLE ledger_purges (
  provider  TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only'); END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
WHEN OLD.provider IS NULL OR NOT EXISTS (SELECT 1 FROM ledger_purges WHERE provider = OLD.provider)
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only'); END;

-- The running sum of every account's postings, per currency and site ('' for postings without a site).
CREATE TABLE ledger_balances (
  account   TEXT NOT NULL,
  currency  TEXT NOT NULL,
  site      TEXT NOT NULL,
  minor     INTEGER NOT NULL,
  PRIMARY KEY (account, currency, site)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER ledger_balances_post AFTER INSERT ON ledger_postings
BEGIN
  INSERT INTO ledger_balances (account, currency, site, minor) VALUES (NEW.account, NEW.currency, COALESCE(NEW.site, ''), NEW.amount_minor)
  ON CONFLICT (account, currency, site) DO UPDATE SET minor = minor + excluded.minor;
END;
-- Only 'providers remove --purge' deletes postings (see ledger_postings_no_delete).
CREATE TRIGGER ledger_balances_purge AFTER DELETE ON ledger_postings
BEGIN
  UPDATE ledger_balances SET minor = minor - OLD.amount_minor
  WHERE account = OLD.account AND currency = OLD.currency AND site = COALESCE(OLD.site, '');
END;
`
