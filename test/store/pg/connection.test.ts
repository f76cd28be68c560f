import pg from 'pg'
import {describe, expect, it} from 'vitest'

import {pgConnection} from '../../../src/store/pg/connection.js'

/** What pg itself makes of the config: the TLS options it would connect with. */
function sslOf(url: string, env: NodeJS.ProcessEnv = {}): unknown {
  const client = new pg.Client(pgConnection(url, env).config) as pg.Client & {connectionParameters: {ssl: unknown}}
  return client.connectionParameters.ssl
}

describe('pgConnection: a postgres:// URL as pg config', () => {
  it('refuses a password in the URL, either form, without repeating it', () => {
    for (const url of ['postgres://yms:s3cret-pass@db/x', 'postgres://yms@db/x?password=s3cret-pass']) {
      let error: unknown
      try {
        pgConnection(url, {})
      } catch (e) {
        error = e
      }
      expect(error).toMatchObject({code: 'password_in_url', exitCode: 2})
      expect(JSON.stringify({...(error as object), message: (error as Error).message})).not.toContain('s3cret-pass')
    }
  })

  it('sslmode has libpq meaning: require encrypts without checking the certificate, verify-full checks it', () => {
    expect(sslOf('postgres://yms@db/x?sslmode=require')).toEqual({rejectUnauthorized: false})
    expect(sslOf('postgres://yms@db/x?sslmode=prefer')).toEqual({rejectUnauthorized: false})
    expect(sslOf('postgres://yms@db/x?sslmode=verify-full')).toEqual({})
    expect(sslOf('postgres://yms@db/x?sslmode=disable')).toBe(false)
    // PGSSLMODE when the URL names none, with the same meaning
    expect(sslOf('postgres://yms@db/x', {PGSSLMODE: 'require'})).toEqual({rejectUnauthorized: false})
    expect(() => pgConnection('postgres://yms@db/x?sslmode=verify-ca', {})).toThrow(/sslrootcert/)
  })

  it("waits for a server as libpq's connect_timeout says, 10 s when nothing says (pg's own default: forever)", () => {
    const timeout = (url: string, env: NodeJS.ProcessEnv = {}) => pgConnection(url, env).config.connectionTimeoutMillis
    expect(timeout('postgres://yms@db/x')).toBe(10_000)
    expect(timeout('postgres://yms@db/x?connect_timeout=30')).toBe(30_000)
    expect(timeout('postgres://yms@db/x', {PGCONNECT_TIMEOUT: '5'})).toBe(5_000)
    expect(timeout('postgres://yms@db/x?connect_timeout=1')).toBe(2_000)
    expect(timeout('postgres://yms@db/x?connect_timeout=0')).toBe(0)
    expect(() => pgConnection('postgres://yms@db/x?connect_timeout=soon', {})).toThrow('expected whole seconds')
  })

  it('refuses an sslmode pg cannot honour, and anything but a postgres URL', () => {
    expect(() => pgConnection('postgres://yms@db/x?sslmode=allow', {})).toThrow('sslmode=allow is not supported')
    expect(() => pgConnection('mysql://yms@db/x', {})).toThrow('--to must be a postgres:// URL')
    expect(() => pgConnection('not a url', {})).toThrow('--to is not a URL')
  })

  it('names the target from the URL, else the PG* environment', () => {
    expect(pgConnection('postgresql://ann@db.example.com:6543/books', {}).label).toBe('ann@db.example.com:6543/books')
    expect(pgConnection('postgres://', {PGHOST: 'h', PGPORT: '7', PGUSER: 'u', PGDATABASE: 'd'}).label).toBe('u@h:7/d')
  })
})
