import {existsSync} from 'node:fs'
import {userInfo} from 'node:os'

import type pg from 'pg'

import {UsageError} from '../../core/errors.js'

/** Where a PostgreSQL URL points, for messages and the audit log: never a password. */
export interface PgLocation {
  host: string
  port: number
  database: string
  user: string
}

export interface PgConnection {
  config: pg.PoolConfig
  location: PgLocation
  /** `user@host:port/database`. */
  label: string
}

/** libpq's sslmode values that pg can honour (`allow` tries plain text first, which pg cannot do). */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const

/**
 * A `postgres://` URL as pg's pool config, with two rules of our own (`source` names where the URL came from in
 * messages: `--to`, `--database-url` or `YMS_PAY_DATABASE_URL`):
 *
 * - The password never comes from the URL: a command line is readable by every user of the machine (ps,
 *   /proc/<pid>/cmdline) and kept in shell history. pg reads `PGPASSWORD` (or `~/.pgpass`) when the URL has none,
 *   as libpq does; PGHOST, PGPORT, PGUSER and PGDATABASE fill what the URL leaves out.
 * - `sslmode` means what it means to libpq. pg 8 on its own treats `prefer`, `require` and `verify-ca` as
 *   `verify-full` (and prints a warning); its `uselibpqcompat` switch gives libpq's meaning, so it is set whenever
 *   an sslmode is (from the URL, else PGSSLMODE): `require` encrypts without checking the certificate, `verify-ca`
 *   checks it against `sslrootcert`, `verify-full` checks the chain and the host name. No sslmode means no TLS:
 *   libpq's default `prefer` retries without TLS after a refusal, which pg cannot do.
 */
export function pgConnection(text: string, env: NodeJS.ProcessEnv, source = '--to'): PgConnection {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    // The text itself is not repeated: it may hold a password.
    throw new UsageError(
      `${source} is not a URL`,
      'Give a PostgreSQL URL: postgres://user@host:5432/database',
      'invalid_url',
    )
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new UsageError(
      `${source} must be a postgres:// URL, not ${url.protocol}//…`,
      'e.g. postgres://user@host:5432/database',
      'invalid_url',
    )
  }
  if (url.password !== '' || url.searchParams.has('password')) {
    throw new UsageError(
      'the URL holds a password: a command line is visible to every user of this machine and kept in shell history',
      'Leave the password out of the URL and set PGPASSWORD (or put it in ~/.pgpass, mode 0600).',
      'password_in_url',
    )
  }
  const sslmode = url.searchParams.get('sslmode') ?? env.PGSSLMODE
  if (sslmode !== undefined && sslmode !== '') {
    if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
      throw new UsageError(`sslmode=${sslmode} is not supported`, `Use one of: ${SSL_MODES.join(', ')}.`, 'invalid_url')
    }
    // pg would refuse it too, but when the pool connects and with a plain error.
    if (sslmode === 'verify-ca' && !url.searchParams.has('sslrootcert')) {
      throw new UsageError(
        'sslmode=verify-ca needs sslrootcert=<file>: the CA to check the server certificate against',
        'Add sslrootcert=<file> to the URL, or use sslmode=verify-full for a certificate your system trusts.',
        'invalid_url',
      )
    }
    url.searchParams.set('sslmode', sslmode)
    url.searchParams.set('uselibpqcompat', 'true')
  }
  // pg reads these files when it builds the connection, failing with a bare ENOENT; name the parameter instead.
  for (const param of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = url.searchParams.get(param)
    if (file !== null && !existsSync(file)) {
      throw new UsageError(`${param}=${file}: no such file`, 'Name a file this user can read.', 'invalid_url')
    }
  }
  const location: PgLocation = {
    host: decodeURIComponent(url.hostname.replace(/^\[(.+)\]$/, '$1')) || env.PGHOST || 'localhost',
    port: Number(url.port || env.PGPORT || 5432),
    user: decodeURIComponent(url.username) || env.PGUSER || userInfo().username,
    database: '',
  }
  location.database = decodeURIComponent(url.pathname.slice(1)) || env.PGDATABASE || location.user
  return {
    config: {connectionString: url.toString(), connectionTimeoutMillis: connectTimeoutMs(url, env)},
    location,
    label: `${location.user}@${location.host}:${location.port}/${location.database}`,
  }
}

/** Without one, pg waits for a server that accepts and never answers for as long as the socket lives. */
const DEFAULT_CONNECT_TIMEOUT_S = 10

/**
 * How long to wait for the server to be ready, as libpq reads it (`connect_timeout` in the URL, else
 * PGCONNECT_TIMEOUT, in seconds; libpq takes 0 as no limit). pg reads neither from a URL, and its own default is no
 * limit: a cron job against a host that dropped off the network would hang.
 */
function connectTimeoutMs(url: URL, env: NodeJS.ProcessEnv): number {
  const given = url.searchParams.get('connect_timeout') ?? env.PGCONNECT_TIMEOUT
  if (given === undefined || given === '') return DEFAULT_CONNECT_TIMEOUT_S * 1000
  const seconds = Number(given)
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new UsageError(`connect_timeout=${given}: expected whole seconds`, 'e.g. connect_timeout=10', 'invalid_url')
  // libpq treats 1 as 2 (one second may end before the first packet); 0 means wait as long as it takes.
  return seconds === 0 ? 0 : Math.max(seconds, 2) * 1000
}
