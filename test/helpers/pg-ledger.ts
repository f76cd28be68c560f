import {expect} from 'vitest'

import {runCli} from './cli.js'
import type {TestDatabase} from './postgres.js'

/**
 * Moves a home's ledger (sites, customers, invoices, providers) into a fresh PostgreSQL database as a user moves it
 * (`store copy`), and gives the environment every host then runs with: the home (for its config and the secrets'
 * environment), the database URL and its password, which never goes into a URL or argv.
 */
export async function moveHomeToPostgres(
  home: string,
  database: TestDatabase,
  homeEnv: Record<string, string> = {},
): Promise<{url: string; env: Record<string, string>}> {
  const c = database.connection
  const url = `postgres://${c.user}@${c.host}:${c.port}/${c.database}`
  const copy = await runCli(['store', 'copy', '--to', url, '--json'], {
    home,
    env: {PGPASSWORD: c.password},
    timeoutMs: 60_000,
  })
  expect(copy.code, copy.stderr).toBe(0)
  return {url, env: {...homeEnv, YMS_PAY_HOME: home, YMS_PAY_DATABASE_URL: url, PGPASSWORD: c.password}}
}
