import type {Migration} from './migration.js'

/**
 * The sync's write path, second pass (test/bench/writer.ts: together these took a 10k backfill's writes from 721 to
 * ~480 ms). Every randomly placed leaf a page touches is a 4 KB WAL frame at commit, and a row too big for two to share a page
 * costs a page of its own:
 * - transactions drops `normalized_json`: every field of the normalized transaction already has a column except
 *   its metadata, which gets `metadata_json`. The ~500 bytes saved let two rows share a 4 KB page instead of one.
 * - ledger_postings is keyed by the transaction's arrival sequence (`txn_seq`) instead of its text id: a new
 *   transaction's postings land at the end of the key instead of at a random leaf. Invoice postings (txn_id
 *   `invoice:<id>`, no seq) keep a text key of their own, which the sync never touches.
 * - transactions_customer_time goes (a random leaf per transaction, ~20% of a page's frames): a customer's
 *   transactions are found through transactions_site_time, which now carries customer_id, by scanning that index
 *   alone. No time-ordered index is added either: a backfill arrives newest first, and inserting at the low end of
 *   an index is SQLite's worst case (measured: an occurred_at index alone cost ~20% of a page).
 * - the account and site indexes on postings give way to `ledger_balances`, one row per account, currency and site,
 *   kept by triggers in the same statement as the posting: a few hot pages instead of a random leaf per posting,
 *   and balances can never drift from the postings they sum.
 */
const SQL = `
ALTER TABLE transactions ADD COLUMN metadata_json TEXT NOT NULL DEFAULT '{}';
UPDATE transactions SET metadata_json = COALESCE(json_extract(normalized_json, '$.metadata'), '{}')
  WHERE json_type(normalized_json, '$.metadata') = 'object';
ALTER TABLE transactions DROP COLUMN normalized_json;
DROP INDEX transactions_customer_time;
DROP INDEX transactions_site_time;
CREATE INDEX transactions_site_time ON transactions(site_id, occurred_at, customer_id);

CREATE TABLE ledger_postings_new (
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
INSERT INTO ledger_postings_new (id, txn_seq, txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
  SELECT p.id, t.seq, p.txn_id, p.version, p.account, p.amount_minor, p.currency, p.provider, p.site, p.customer, p.posted_at
  FROM ledger_postings p LEFT JOIN transactions t ON t.id = p.txn_id ORDER BY p.id;
DROP TABLE ledger_postings;
ALTER TABLE ledger_postings_new RENAME TO ledger_postings;
CREATE UNIQUE INDEX ledger_postings_txn ON ledger_postings(txn_seq, version, account, currency) WHERE txn_seq IS NOT NULL;
CREATE UNIQUE INDEX ledger_postings_document ON ledger_postings(txn_id, version, account, currency) WHERE txn_seq IS NULL;
CREATE INDEX ledger_postings_provider ON ledger_postings(provider) WHERE provider IS NOT NULL;

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
INSERT INTO ledger_balances (account, currency, site, minor)
  SELECT account, currency, COALESCE(site, ''), SUM(amount_minor) FROM ledger_postings GROUP BY 1, 2, 3;
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

export const ledgerWritePath: Migration = {
  version: 6,
  name: '006-ledger-write-path',
  up(db) {
    db.exec(SQL)
  },
}
