import type {Migration} from './migration.js'

/**
 * A quarantined item that was already a valid normalized transaction (unknown customer, access denied) keeps
 * that form beside the raw payload, so `quarantine replay` re-applies exactly what the gateway said.
 */
export const quarantineNormalized: Migration = {
  version: 3,
  name: '003-quarantine-normalized',
  up(db) {
    db.exec(`ALTER TABLE quarantine ADD COLUMN normalized_json TEXT CHECK (normalized_json IS NULL OR json_valid(normalized_json));`)
  },
}
