import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import {formatDecimal} from '../../../src/core/money.js'
import type {Money, NormalizedTxn} from '../../../src/core/transaction.js'
import {importInvoices} from '../../../src/services/invoices.js'
import {applyItems} from '../../../src/services/sync/apply.js'
import type {ApplyScope} from '../../../src/services/sync/scope.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {upsertRates} from '../../../src/store/repos/fx.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {testContext} from '../../helpers/sync-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * A small ledger built through the paths production uses: sites and customers through their repositories, invoices
 * through `invoices import` (which posts them), gateway objects through the sync's apply (which posts them). The
 * provider `acme` (a Stripe connection) may write every segment; `withheld` may write none, so what it reports waits
 * in quarantine (access denied) as a gateway report the ledger lacks.
 */
export interface LedgerWorld {
  db: Db
  ctx: AppContext
  home: string
  at: string
  site(id: string, currency: string): void
  customer(id: string, site: string): void
  invoice(id: string, customer: string, amount: Money, issuedAt: string, dueAt?: string): Promise<void>
  /** A gateway object as the adapter would normalize it; `provider` defaults to acme. */
  txn(t: TxnSpec): NormalizedTxn
  rate(base: string, quote: string, date: string, rate: string): void
  close(): void
}

export interface TxnSpec {
  id: string
  type?: NormalizedTxn['type']
  status?: NormalizedTxn['status']
  amount: Money
  customer?: string
  invoice?: string | null
  parent?: string | null
  at: string
  provider?: 'acme' | 'withheld' | 'other'
}

let invoiceFiles = 0

export function ledgerWorld(at = '2026-06-01T00:00:00.000Z'): LedgerWorld {
  const home = mkdtempSync(join(tmpdir(), 'yms-reconcile-'))
  const ctx = testContext(home, {}, () => Date.parse(at))
  const db = openDatabase(ctx.home.dbFile, {clock: () => Date.parse(at)})
  const scopes: Record<string, ApplyScope> = {
    acme: scope('acme', [{segment: '*', site: '*', access: 'write'}]),
    other: scope('other', [{segment: '*', site: '*', access: 'write'}]),
    withheld: scope('withheld', []),
  }
  return {
    db,
    ctx,
    home,
    at,
    site(id, currency) {
      upsertSites(db, [{id, name: id, currency}])
    },
    customer(id, site) {
      upsertCustomers(db, [{id, site, segment: 'retail', refs: {stripe: `cus_${id}`}}])
    },
    async invoice(id, customer, amount, issuedAt, dueAt) {
      const site = (db.stmt('SELECT site FROM customers WHERE id = ?').get(customer) as {site: string}).site
      const file = join(home, `invoices-${++invoiceFiles}.csv`)
      writeFileSync(
        file,
        `id,site,customer,amount,currency,issued_at,due_at\n${id},${site},${customer},${formatDecimal(amount)},${amount.currency},${issuedAt},${dueAt ?? ''}\n`,
      )
      const r = await importInvoices(sqliteHandle(db), ctx, file)
      if (r.rejected.length > 0) throw new Error(JSON.stringify(r.rejected))
    },
    txn(spec) {
      const provider = spec.provider ?? 'acme'
      const txn: NormalizedTxn = {
        id: `${provider}:${spec.id}`,
        provider,
        kind: 'stripe',
        externalId: spec.id,
        parentExternalId: spec.parent ?? null,
        type: spec.type ?? 'payment',
        status: spec.status ?? 'succeeded',
        amount: spec.amount,
        fee: null,
        net: null,
        customerRef: spec.customer ? `cus_${spec.customer}` : null,
        invoiceRef: spec.invoice ?? null,
        siteRef: null,
        failure: null,
        occurredAt: spec.at,
        updatedAt: spec.at,
        metadata: {},
      }
      db.write(() => applyItems(db, scopes[provider]!, [{txn, rawJson: JSON.stringify(txn)}], []))
      return txn
    },
    rate(base, quote, date, rate) {
      upsertRates(db, [{base, quote, date, rate, source: 'test'}])
    },
    close() {
      db.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
}

function scope(provider: string, grants: ApplyScope['grants']): ApplyScope {
  return {
    provider,
    kind: 'stripe',
    actor: 'test',
    source: 'pull',
    grants,
    latencySince: null,
    customers: new Map(),
  }
}

export const eur = (minor: number): Money => ({minor, currency: 'EUR'})
export const usd = (minor: number): Money => ({minor, currency: 'USD'})
export const jpy = (minor: number): Money => ({minor, currency: 'JPY'})
export const kwd = (minor: number): Money => ({minor, currency: 'KWD'})
