import {createHash} from 'node:crypto'

import pg from 'pg'
import {inject} from 'vitest'

/**
 * The suite's second run: with YMS_TEST_STORE=postgres (vitest's `postgres` project), every command a test runs
 * keeps its ledger in PostgreSQL instead of the home's SQLite file — a database per home, named from its path, in
 * the cluster pg-global-setup.ts started — through YMS_PAY_DATABASE_URL, as a user's cron job would.
 */
export const PG_MODE = process.env.YMS_TEST_STORE === 'postgres'

const made = new Map<string, Promise<Record<string, string>>>()

/** The environment that points a command run with this home at its PostgreSQL ledger; {} in the SQLite run. */
export function storeEnv(home: string | undefined): Promise<Record<string, string>> {
  if (!PG_MODE || home === undefined) return Promise.resolve({})
  let env = made.get(home)
  if (env === undefined) {
    env = databaseFor(home)
    made.set(home, env)
  }
  return env
}

async function databaseFor(home: string): Promise<Record<string, string>> {
  const cluster = inject('postgresCluster')
  if (cluster === null) throw new Error('YMS_TEST_STORE=postgres without the cluster of pg-global-setup.ts')
  const name = `home_${createHash('sha256').update(home).digest('hex').slice(0, 24)}`
  const admin = new pg.Client({...cluster, database: 'postgres'})
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`).catch((error: {code?: string}) => {
      if (error.code !== '42P04') throw error // already there: another run of the same home
    })
  } finally {
    await admin.end()
  }
  return {
    YMS_PAY_DATABASE_URL: `postgres://${cluster.user}@${cluster.host}:${cluster.port}/${name}`,
    PGPASSWORD: cluster.password,
  }
}
