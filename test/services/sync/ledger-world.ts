import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Grant} from '../../../src/core/access.js'
import type {FetchedTxn, NormalizedTxn} from '../../../src/core/transaction.js'
import {applyItems, type ApplyCounts, serializeItems} from '../../../src/services/sync/apply.js'
import type {ApplyScope} from '../../../src/services/sync/scope.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {addGrant} from '../../../src/store/repos/grants.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {testContext} from '../../helpers/sync-world.js'

export const PROVIDER = 'acme-stripe'
export const ALL: Grant[] = [{segment: '*', site: '*', access: 'write'}]

/** A small ledger: two sites, three customers known by their Stripe ids, one Stripe provider. */
export function ledgerWorld(
  opts: {customers?: Array<{id: string; site: string; segment: string; ref: string}>; grant?: boolean} = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'yms-apply-'))
  const db = openDatabase(join(dir, 'ledger.db'))
  const ctx = testContext(dir, {})
  db.write(() => {
    upsertSites(db, [
      {id: 'berlin', name: 'Berlin', currency: 'EUR'},
      {id: 'tokyo', name: 'Tokyo', currency: 'JPY'},
    ])
    const customers = opts.customers ?? [
      {id: 'c1', site: 'berlin', segment: 'retail', ref: 'cus_1'},
      {id: 'c2', site: 'berlin', segment: 'vip', ref: 'cus_2'},
      {id: 'c3', site: 'tokyo', segment: 'retail', ref: 'cus_3'},
    ]
    upsertCustomers(
      db,
      customers.map((c) => ({id: c.id, site: c.site, segment: c.segment, refs: {stripe: c.ref}})),
    )
    insertProvider(db, {id: PROVIDER, kind: 'stripe'})
    // The stored grant is what a replay reads; syncs in these tests pass the same grant in their scope.
    if (opts.grant !== false) addGrant(db, {provider: PROVIDER, segment: '*', site: '*', access: 'write'})
  })
  return {db, ctx, dir, close: () => (db.close(), rmSync(dir, {recursive: true, force: true}))}
}

export function scope(grants: Grant[] = ALL, source: ApplyScope['source'] = 'pull'): ApplyScope {
  return {provider: PROVIDER, kind: 'stripe', actor: 'test', source, grants, latencySince: null, customers: new Map()}
}

export function applyPage(db: Db, items: readonly NormalizedTxn[], s: ApplyScope = scope()): ApplyCounts {
  const fetched: FetchedTxn[] = items.map((txn) => ({txn, raw: {id: txn.externalId, status: txn.status}}))
  return db.write(() => applyItems(db, s, serializeItems(fetched), []))
}

let seq = 0
/** A schema-valid NormalizedTxn with sensible defaults. */
export function txn(
  p: Partial<NormalizedTxn> & Pick<NormalizedTxn, 'externalId' | 'type' | 'status' | 'amount'>,
): NormalizedTxn {
  seq++
  return {
    id: `${PROVIDER}:${p.externalId}`,
    provider: PROVIDER,
    kind: 'stripe',
    parentExternalId: null,
    fee: null,
    net: null,
    customerRef: null,
    invoiceRef: null,
    siteRef: null,
    failure: null,
    occurredAt: '2026-01-01T00:00:00.000Z',
    updatedAt: new Date(Date.parse('2026-01-01T00:00:00.000Z') + seq * 1000).toISOString(),
    metadata: {},
    ...p,
  }
}

export function accountSums(db: Db): Record<string, number> {
  const rows = db.raw
    .prepare(
      'SELECT account, currency, SUM(amount_minor) AS m FROM ledger_postings GROUP BY account, currency HAVING m != 0 ORDER BY 1, 2',
    )
    .all() as Array<{account: string; currency: string; m: number}>
  return Object.fromEntries(rows.map((r) => [`${r.account}|${r.currency}`, r.m]))
}

export function tableCounts(db: Db): Record<string, number> {
  const n = (t: string) => db.raw.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number
  return {
    transactions: n('transactions'),
    states: n('transaction_states'),
    postings: n('ledger_postings'),
    quarantine: n('quarantine'),
    openQuarantine: db.raw.prepare(`SELECT COUNT(*) FROM quarantine WHERE status = 'open'`).pluck().get() as number,
  }
}
