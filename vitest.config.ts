import {defineConfig} from 'vitest/config'

/**
 * The command and end-to-end tests that run a second time with every ledger in PostgreSQL (YMS_TEST_STORE=postgres:
 * each home a test makes gets a database of its own, test/helpers/pg-mode.ts; what a test sets up or reads behind
 * the commands' back goes through test/helpers/home-ledger.ts, to whichever engine the home's ledger is on).
 *
 * Left to the SQLite run, by group (docs/postgres.md, "The suite run twice"):
 * - what only a file has: backup, home-damage, home-orphans, home-permissions, home-readonly (a damaged, missing,
 *   read-only or foreign-owned ledger.db), home-cron (a home directory with no ledger.db in it), store-copy and
 *   store-copy-back (one end is the home's file; each starts a server of its own for the other), keychain-homes
 *   (keychain entries named per home);
 * - the demo and what renders its home: demo, terminal-width. The demo always builds a throwaway SQLite home;
 * - no ledger at all: help, sandbox, sandbox-charge-rules (the gateway emulators only);
 * - engine tests that drive the services in-process on a home they set up themselves: cross-gateway, retry-faults
 *   and webhooks-converge run on both engines by themselves, in the SQLite run (the home set up on its file, then
 *   copied into a PostgreSQL database of the file's own cluster for the second engine);
 * - crash tests with a PostgreSQL twin of their own: sync-crash (sync-postgres), webhooks-crash (webhooks-postgres).
 *   Those twins and admin-postgres start a server of their own, in the SQLite run.
 */
const ON_POSTGRES = [
  ...[
    'alerts',
    'audit',
    'customers',
    'filter-names',
    'fx',
    'invoices',
    'list-more',
    'metrics',
    'providers',
    'providers-safety',
    'quarantine',
    'reconcile',
    'retry',
    'retry-rules',
    'sites',
    'status',
    'sync',
    'sync-skipped',
    'time-flags',
    'transactions',
    'webhooks',
  ].map((name) => `test/commands/${name}.test.ts`),
  ...[
    'alerts-crash',
    'import-safety',
    'provider-test-timeout',
    'providers-secrets',
    'reports',
    'secret-echo',
    'setup-commands',
    'sync-cli',
    'watch-mode',
  ].map((name) => `test/e2e/${name}.test.ts`),
]

// better-sqlite3 is a native addon and several tests spawn processes: forks are the safe pool.
export default defineConfig({
  test: {
    pool: 'forks',
    // Property tests report their seed and how to replay it (YMS_FC_SEED).
    setupFiles: ['test/helpers/fast-check-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    benchmark: {include: ['test/bench/**/*.bench.ts']},
    projects: [
      {extends: true, test: {name: 'sqlite', include: ['test/**/*.test.ts']}},
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ON_POSTGRES,
          env: {YMS_TEST_STORE: 'postgres'},
          globalSetup: ['test/helpers/pg-global-setup.ts'],
        },
      },
    ],
  },
})
