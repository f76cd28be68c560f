import {defineConfig} from 'vitest/config'

// better-sqlite3 is a native addon and several tests spawn processes: forks are the safe pool.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // Property tests report their seed and how to replay it (YMS_FC_SEED).
    setupFiles: ['test/helpers/fast-check-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    benchmark: {include: ['test/bench/**/*.bench.ts']},
  },
})
