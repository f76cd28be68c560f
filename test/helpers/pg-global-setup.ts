import type {TestProject} from 'vitest/node'

import {startCluster} from './postgres-cluster.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL cluster of a YMS_TEST_STORE=postgres run (pg-mode.ts), or null. */
    postgresCluster: {host: string; port: number; user: string; password: string} | null
  }
}

/**
 * For the suite's second run (YMS_TEST_STORE=postgres, the `postgres` project of vitest.config.ts): one cluster for
 * the whole run, started before any worker and removed after the last. Each home a test makes gets a database of
 * its own in it (pg-mode.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startCluster()
  const {host, port, user, password} = cluster.connection('postgres')
  project.provide('postgresCluster', {host, port, user, password})
  return async () => {
    // A second run that made no database ran every command on SQLite after all: say so rather than pass.
    const client = cluster.client('postgres')
    await client.connect()
    const {rows} = await client.query<{n: string}>(
      "SELECT count(*) AS n FROM pg_database WHERE datname LIKE 'home\\_%'",
    )
    await client.end()
    await cluster.stop()
    if (Number(rows[0]?.n ?? 0) === 0)
      throw new Error('the postgres project ran, but no command opened a PostgreSQL ledger')
  }
}
