import type {Migration} from './migration.js'

/**
 * Issue 14 (several hosts on PostgreSQL): a claim names its claimant. The alerts outbox and the webhook fetches are
 * claimed by moving a row's due time to the claim's end; `claimed_by` is the claimant's lease owner id
 * (services/lease-owner.ts), so that a host taking the work over from a dead or expired claimant can release its
 * claims at once instead of waiting for them to lapse. NULL when no claim is open, and always on SQLite, whose one
 * writer claims nothing; the column exists there too so both stores keep one schema.
 */
export const claimants: Migration = {
  version: 15,
  name: '010-claimants',
  up(db) {
    db.exec(`
      ALTER TABLE alert_deliveries ADD COLUMN claimed_by TEXT;
      ALTER TABLE webhook_events ADD COLUMN claimed_by TEXT;
    `)
  },
}
