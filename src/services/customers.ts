import {z} from 'zod'

import type {AppContext} from '../app/context.js'
import type {Money} from '../core/transaction.js'
import {UsageError} from '../core/errors.js'
import {dual} from '../store/ops/dual.js'
import type {LedgerHandle} from '../store/ops/ledger-handle.js'
import type {Ops} from '../store/ops/op.js'
import {
  getCustomer,
  listCustomers as listCustomerRows,
  upsertCustomers,
  type Customer,
} from '../store/repos/customers.js'
import {customerBalances, type TxnSummary} from '../store/repos/ledger.js'
import {queryTransactions} from '../store/repos/transaction-queries.js'
import {getSite} from '../store/repos/sites.js'
import {listProviders} from '../store/repos/providers.js'
import {GATEWAY_KINDS} from '../gateways/registry.js'
import {balanceInBase} from './base-balance.js'
import type {ColumnRules} from './imports/columns.js'
import {LIMITS, optionalText, requiredId} from './imports/fields.js'
import {auditedImportInto} from './imports/audited-import.js'
import type {ImportResult} from './imports/run-import.js'

export interface CustomerView {
  id: string
  site: string
  segment: string | null
  name: string | null
  email: string | null
  refs: Record<string, string>
}

export interface CustomerDetail extends CustomerView {
  balances: Money[]
  /** The balance converted to the site's base currency at the latest rates; null figure when a rate is missing. */
  baseBalance: Money
  baseBalanceError: string | null
  recent: TxnSummary[]
}

/** `ref.<gateway kind or provider id>` columns hold the customer's id at that gateway. */
const REF_COLUMN = /^ref\.(.+)$/
const KNOWN = new Set(['id', 'site', 'segment', 'name', 'email'])

/** The columns of a customers file; a ref column must name a gateway kind or a provider that exists now. */
function* customerColumns(): Ops<ColumnRules> {
  return {
    what: 'customers',
    required: ['id', 'site'],
    optional: ['segment', 'name', 'email'],
    refs: {kinds: GATEWAY_KINDS, providers: (yield* listProviders.ops()).map((p) => p.id)},
  }
}

const CustomerRowSchema = z
  .record(z.string(), z.string())
  .superRefine((row, ctx) => {
    for (const key of Object.keys(row)) {
      if (!KNOWN.has(key) && !REF_COLUMN.test(key))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'unknown column (expected id,site,segment,name,email,ref.<gateway>)',
        })
      else if (REF_COLUMN.test(key) && row[key]!.length > LIMITS.ref)
        ctx.addIssue({code: 'custom', path: [key], message: `longer than ${LIMITS.ref} characters`})
    }
  })
  .pipe(
    z
      .object({
        id: requiredId,
        site: requiredId,
        segment: optionalText(LIMITS.segment).refine((s) => s !== '*', '"*" is reserved for grants'),
        name: optionalText(LIMITS.name),
        email: optionalText(LIMITS.email).refine(
          (e) => e === null || /^[^@\s]+@[^@\s]+$/.test(e),
          'not an email address',
        ),
      })
      .catchall(z.string()),
  )
  .transform((row) => {
    const refs: Record<string, string> = {}
    for (const [key, value] of Object.entries(row)) {
      const m = REF_COLUMN.exec(key)
      if (m && typeof value === 'string' && value.trim() !== '') refs[m[1]!] = value.trim()
    }
    return {id: row.id, site: row.site, segment: row.segment, name: row.name, email: row.email, refs}
  })

function toView(c: Customer): CustomerView {
  return {id: c.id, site: c.site, segment: c.segment, name: c.name, email: c.email, refs: c.refs}
}

export async function importCustomers(ledger: LedgerHandle, ctx: AppContext, file: string): Promise<ImportResult> {
  return auditedImportInto(ledger, ctx, {
    file,
    action: 'customer.import',
    columns: await ledger.read(customerColumns()),
    schema: CustomerRowSchema,
    upsert: (rows) => upsertCustomers.ops(rows),
  })
}

export const listCustomers = dual(function* listCustomers(filter: {
  site?: string
  segment?: string
  limit?: number
}): Ops<CustomerView[]> {
  return (yield* listCustomerRows.ops(filter)).map(toView)
})

export const distinctSegments = dual(function* distinctSegments(): Ops<string[]> {
  return [
    ...new Set((yield* listCustomerRows.ops()).map((c) => c.segment).filter((s): s is string => s !== null)),
  ].sort()
})

/** The customer with balances per currency and in the site's currency, at the rates of the context's today. */
export const showCustomer = dual(function* showCustomer(ctx: Pick<AppContext, 'now'>, id: string): Ops<CustomerDetail> {
  const customer = yield* getCustomer.ops(id)
  if (!customer) throw new UsageError(`unknown customer "${id}"`, 'List them with `yms-pay customers list`.')
  const site = yield* getSite.ops(customer.site)
  const balances = yield* customerBalances.ops(id)
  const baseCurrency = site?.currency ?? balances[0]?.currency ?? 'EUR'
  const today = new Date(ctx.now()).toISOString().slice(0, 10)
  const base = yield* balanceInBase.ops(balances, baseCurrency, today)
  return {
    ...toView(customer),
    balances,
    baseBalance: {minor: base.minor, currency: baseCurrency},
    baseBalanceError: base.error,
    recent: yield* queryTransactions.ops({customer: id, limit: 20}),
  }
})
