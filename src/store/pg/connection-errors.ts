import {AuthError, ConfigError, ExitCode, YmsError} from '../../core/errors.js'

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'])
// The connection went away mid-way: the server shut down, an admin ended the session, the network dropped it.
const LOST = new Set(['ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006'])
const TLS = /SSL|TLS|certificate|self[- ]signed|unable to verify/i

/**
 * pg's errors about reaching the server, as typed errors naming `label` (never the password): 75 when trying again
 * later may help, 77 when the credentials were refused, 78 when something must be set up first. undefined for
 * anything else (a statement that failed), which the caller reports as it is.
 */
export function pgConnectionError(error: unknown, label: string): YmsError | undefined {
  if (error instanceof YmsError) return undefined
  const e = error as {code?: string; message?: string} | undefined
  const code = e?.code ?? ''
  const message = e?.message ?? String(error)
  if (UNREACHABLE.has(code)) {
    return new YmsError(`PostgreSQL at ${label} cannot be reached (${code})`, {
      exitCode: ExitCode.locked,
      code: 'postgres_unreachable',
      hint: 'Check the host and port (and that the server listens there), then try again.',
      cause: error,
    })
  }
  if (/^timeout expired$/.test(message)) {
    return new YmsError(`PostgreSQL at ${label} did not answer in time (connect_timeout)`, {
      exitCode: ExitCode.locked,
      code: 'postgres_unreachable',
      hint: 'Check the host and port and that the server is up; connect_timeout=<seconds> in the URL waits longer.',
      cause: error,
    })
  }
  if (LOST.has(code) || /Connection terminated/i.test(message)) {
    return new YmsError(`the connection to PostgreSQL at ${label} was lost: ${message}`, {
      exitCode: ExitCode.locked,
      code: 'postgres_connection_lost',
      hint: 'Nothing was committed. Try again.',
      cause: error,
    })
  }
  if (code === '28P01' || code === '28000') {
    return new AuthError(
      `PostgreSQL at ${label} refused the login: ${message}`,
      'Set the password in PGPASSWORD (or ~/.pgpass), and check the user name in the URL.',
      'postgres_auth',
    )
  }
  if (code === '3D000') {
    return new ConfigError(
      `PostgreSQL at ${label}: ${message}`,
      'Create the database first (createdb, or CREATE DATABASE), then run this again.',
      'postgres_database_missing',
    )
  }
  if (code === '42501') {
    return new ConfigError(
      `PostgreSQL at ${label}: ${message}`,
      'The user must own the database (or be granted CREATE on its schema): yms-pay creates its tables there.',
      'postgres_privilege',
    )
  }
  if (!/^[0-9A-Z]{5}$/.test(code) && TLS.test(message)) {
    return new ConfigError(
      `TLS to PostgreSQL at ${label} failed: ${message}`,
      'Check sslmode in the URL: verify-full needs a certificate your system trusts, or sslrootcert=<file>; require encrypts without checking it; disable for a server without TLS.',
      'postgres_tls',
    )
  }
  return undefined
}
