import {join} from 'node:path'

import type {AppContext} from '../../src/app/context.js'
import type {NormalizedTxn} from '../../src/core/transaction.js'
import type {Db} from '../../src/store/db.js'
import {openDatabase} from '../../src/store/db.js'
import {upsertCustomers} from '../../src/store/repos/customers.js'
import {addGrant} from '../../src/store/repos/grants.js'
import {insertProvider} from '../../src/store/repos/providers.js'
import {upsertSites} from '../../src/store/repos/sites.js'
import {tempDir} from '../store/helpers.js'

/** A clock the test moves by hand, shared by the database and the service context. */
export function handClock(iso: string): {now: () => number; set: (iso: string) => void; advance: (ms: number) => void} {
  let ms = Date.parse(iso)
  return {now: () => ms, set: (next) => (ms = Date.parse(next)), advance: (d) => (ms += d)}
}

export interface ReportWorld {
  db: Db
  ctx: AppContext
  clock: ReturnType<typeof handClock>
  dir: string
  cleanup: () => void
}

export function reportWorld(startIso = '2026-03-01T12:00:00.000Z', env: Record<string, string> = {}): ReportWorld {
  const {dir, cleanup} = tempDir()
  const clock = handClock(startIso)
  const home = join(dir, 'home')
  const db = openDatabase(join(home, 'ledger.db'), {clock: clock.now})
  const ctx: AppContext = {
    home: {dataDir: home, configDir: home, dbFile: join(home, 'ledger.db'), source: 'flag'},
    actor: 'tester',
    env,
    terminal: {color: false, interactive: false, stdoutIsTty: false},
    now: clock.now,
    note: () => {},
    warn: () => {},
  }
  return {db, ctx, clock, dir, cleanup: () => (db.close(), cleanup())}
}

/** Two sites, three customers (one in a segment the provider has no grant for), one Stripe connection. */
export function seedReference(db: Db): void {
  upsertSites(db, [
    {id: 'berlin', name: 'Berlin', currency: 'EUR'},
    {id: 'boston', name: 'Boston', currency: 'USD'},
  ])
  upsertCustomers(db, [
    {id: 'c1', site: 'berlin', segment: 'retail', refs: {stripe: 'cus_1'}},
    {id: 'c2', site: 'boston', segment: 'retail', refs: {stripe: 'cus_2'}},
    {id: 'c3', site: 'berlin', segment: 'vip', refs: {stripe: 'cus_3'}},
  ])
  insertProvider(db, {id: 'acme', kind: 'stripe', sites: ['berlin', 'boston']})
  addGrant(db, {provider: 'acme', segment: 'retail', site: '*', access: 'write'})
}

export function txn(externalId: string, over: Partial<NormalizedTxn> = {}): NormalizedTxn {
  return {
    id: `acme:${externalId}`,
    provider: 'acme',
    kind: 'stripe',
    externalId,
    parentExternalId: null,
    type: 'payment',
    status: 'succeeded',
    amount: {minor: 1000, currency: 'EUR'},
    fee: null,
    net: null,
    customerRef: 'cus_1',
    invoiceRef: null,
    siteRef: null,
    failure: null,
    occurredAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:00:00.000Z',
    metadata: {},
    ...over,
  }
}
