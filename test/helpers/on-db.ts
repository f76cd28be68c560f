import type {Db} from '../../src/store/db.js'
import {type LedgerHandle, sqliteHandle} from '../../src/store/ops/ledger-handle.js'

/**
 * A service that takes a ledger handle, called as the tests that hold a SQLite Db call the services that still take
 * one (a table of importers, some moved to handles and some not yet).
 */
export function onDb<A extends unknown[], R>(service: (ledger: LedgerHandle, ...args: A) => R) {
  return (db: Db, ...args: A): R => service(sqliteHandle(db), ...args)
}
