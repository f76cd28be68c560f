import type {Migration} from './migration.js'

/**
 * Issue 14: an invoice's row number is a column, `row_no`, so that it travels with the invoice. Reconciliation
 * indexes its arrays by it and lists a site's invoices in its order (import order). SQLite numbered invoices by their
 * hidden rowid, which `store copy` could not carry, and PostgreSQL, which has no rowid, by the rank of the id: the
 * same ledger printed in another order on each engine. Here `row_no INTEGER PRIMARY KEY` is the rowid itself (SQLite
 * stores a rowid table with a TEXT PRIMARY KEY exactly as one with an INTEGER PRIMARY KEY and a UNIQUE text column: a
 * table keyed by rowid and an index on id), so every rowid already handed out is kept and the measured rowid paths
 * of reconcile-facts.ts read the same tree as before.
 */
export const invoiceRows: Migration = {
  version: 16,
  name: '011-invoice-rows',
  up(db) {
    db.exec(`
CREATE TABLE invoices_new (
  id            TEXT NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 200),
  site          TEXT NOT NULL REFERENCES sites(id),
  customer      TEXT NOT NULL REFERENCES customers(id),
  amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency      TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  issued_at     TEXT NOT NULL,
  due_at        TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  row_no        INTEGER PRIMARY KEY                -- the rowid: import order, what reconciliation lists by
) STRICT;
INSERT INTO invoices_new (id, site, customer, amount_minor, currency, issued_at, due_at, created_at, updated_at, row_no)
SELECT id, site, customer, amount_minor, currency, issued_at, due_at, created_at, updated_at, rowid FROM invoices
ORDER BY rowid;
DROP TABLE invoices;
ALTER TABLE invoices_new RENAME TO invoices;
CREATE INDEX invoices_customer ON invoices(customer, issued_at);
CREATE INDEX invoices_site_due ON invoices(site, due_at);
`)
  },
}
