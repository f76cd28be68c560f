import {randomUUID} from 'node:crypto'

import type {Migration} from './migration.js'

/**
 * The ledger's own id, generated once and kept for good: keychain entries are named `<store id>/<provider>/<field>`,
 * so two homes that both connect a provider called `acme-stripe` never read, overwrite or delete each other's key.
 * A copy of the file (a backup, restored) is the same store and finds the same entries, which is what a restore needs.
 *
 * Before this version the keychain account was `<provider>/<field>`, shared by every home. The providers this ledger
 * already had are listed in keychain_legacy_providers: for them (and only them) a read falls back to the shared
 * account and copies the value into the store's own (src/secrets/store.ts). A provider added later never does, so it
 * cannot pick up another home's key. The rows go with their provider (ON DELETE CASCADE).
 */
const STORE_IDENTITY_SQL = `
CREATE TABLE store_identity (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  store_id    TEXT NOT NULL CHECK (length(store_id) BETWEEN 8 AND 64 AND store_id NOT GLOB '*[^A-Za-z0-9-]*'),
  created_at  TEXT NOT NULL
) STRICT;
-- Changing the id would orphan every keychain entry of this ledger.
CREATE TRIGGER store_identity_no_update BEFORE UPDATE ON store_identity
  BEGIN SELECT RAISE(ABORT, 'the store id never changes: keychain entries are named after it'); END;
CREATE TRIGGER store_identity_no_delete BEFORE DELETE ON store_identity
  BEGIN SELECT RAISE(ABORT, 'the store id never changes: keychain entries are named after it'); END;

CREATE TABLE keychain_legacy_providers (
  provider  TEXT PRIMARY KEY REFERENCES providers(id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
`

export const storeIdentity: Migration = {
  version: 9,
  name: '004-store-identity',
  up(db) {
    db.exec(STORE_IDENTITY_SQL)
    db.prepare('INSERT INTO store_identity (id, store_id, created_at) VALUES (1, ?, ?)').run(
      randomUUID(),
      new Date().toISOString(),
    )
    db.exec('INSERT INTO keychain_legacy_providers (provider) SELECT id FROM providers')
  },
}
