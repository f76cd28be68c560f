import {defineConfig} from 'vitest/config'

/**
 * The command tests that run a second time with every ledger in PostgreSQL (YMS_TEST_STORE=postgres: each home a
 * test makes gets a database of its own, test/helpers/pg-mode.ts). The rest read the home's SQLite file directly or
 * test what only a file has; docs/postgres.md says what is left.
 */
const ON_POSTGRES = [
  'test/commands/providers.test.ts',
  'test/commands/fx.test.ts',
  'test/commands/invoices.test.ts',
  'test/commands/sync.test.ts',
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
