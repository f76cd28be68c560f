import type {PgMigration} from './migration.js'

/** SQLite's 010-claimants (version 15): who holds a claim on an alert delivery or a webhook fetch. */
export const claimants: PgMigration = {
  version: 15,
  name: '010-claimants',
  async up(client) {
    await client.query(`
      ALTER TABLE alert_deliveries ADD COLUMN claimed_by text COLLATE "C";
      ALTER TABLE webhook_events ADD COLUMN claimed_by text COLLATE "C";
    `)
  },
}
