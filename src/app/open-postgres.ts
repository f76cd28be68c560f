import {ConfigError} from '../core/errors.js'
import {rememberSecret} from '../secrets/index.js'
import {type LedgerHandle, storeHandle} from '../store/ops/ledger-handle.js'
import type {Ops} from '../store/ops/op.js'
import {pgConnection, type PgLocation} from '../store/pg/connection.js'
import {pgConnectionError} from '../store/pg/connection-errors.js'
import {preparePgLedger} from '../store/pg/prepare.js'
import {pgStore} from '../store/seam/pg-store.js'
import {noPgLedger} from './home-policy.js'

export interface PgLedger {
  handle: LedgerHandle
  location: PgLocation
  /** `user@host:port/database`, for messages (never a password). */
  label: string
  close(): Promise<void>
}

/**
 * A ledger on PostgreSQL: the URL checked (no password in it: connection.ts), the database refused if it holds
 * something else, migrated under the runner's lock (several hosts starting at once all succeed), then a pool behind
 * an engine-neutral handle. Only a setup command (`create`) makes a ledger in a database that has none. Errors about reaching the server, at the start or mid-way, become the typed ones of
 * connection-errors.ts (75 / 77 / 78) naming `user@host:port/database`. `source` names where the URL came from.
 */
export async function openPgLedger(
  url: string,
  source: string,
  opts: {env: NodeJS.ProcessEnv; now: () => number; create: boolean},
): Promise<PgLedger> {
  rememberSecret(opts.env.PGPASSWORD)
  const {config, location, label} = pgConnection(url, opts.env, source)
  const missing = () => {
    const {message, hint} = noPgLedger(`${label} (from ${source})`)
    return new ConfigError(message, hint, 'home_missing')
  }
  const mapped = <T>(work: Promise<T>): Promise<T> =>
    work.catch((error: unknown) => {
      throw pgConnectionError(error, label) ?? error
    })
  await mapped(preparePgLedger(config, label, 'the ledger', opts.create ? undefined : missing))
  const store = pgStore(config)
  const handle = storeHandle(store, opts.now)
  return {
    handle: {
      engine: handle.engine,
      read: <T>(body: Ops<T>) => mapped(handle.read(body)),
      write: <T>(body: Ops<T>) => mapped(handle.write(body)),
    },
    location,
    label,
    close: () => store.close(),
  }
}
