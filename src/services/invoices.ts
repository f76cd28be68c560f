import {z} from 'zod'

import type {AppContext} from '../app/context.js'
import {invoicePositions, postingDifference} from '../core/ledger.js'
import {parseDecimal} from '../core/money.js'
import type {LedgerHandle} from '../store/ops/ledger-handle.js'
import type {Ops} from '../store/ops/op.js'
import {upsertInvoices, type InvoiceInput} from '../store/repos/invoices.js'
import {insertPostings, postedPositions} from '../store/repos/ledger.js'
import type {ColumnRules} from './imports/columns.js'
import {currencyCode, isoTime, LIMITS, optionalText, requiredId} from './imports/fields.js'
import {auditedImportInto} from './imports/audited-import.js'
import type {ImportResult} from './imports/run-import.js'

const INVOICE_COLUMNS: ColumnRules = {
  what: 'invoices',
  required: ['id', 'site', 'customer', 'amount', 'currency', 'issued_at'],
  optional: ['due_at'],
}

const InvoiceRowSchema = z
  .object({
    id: requiredId,
    site: requiredId,
    customer: requiredId,
    amount: z.string({error: 'required'}).max(LIMITS.amount, `longer than ${LIMITS.amount} characters`),
    currency: currencyCode,
    issued_at: isoTime,
    due_at: optionalText(LIMITS.time).pipe(z.union([z.null(), isoTime])),
  })
  .transform((row, ctx): InvoiceInput => {
    // ISO strings in UTC compare in time order.
    if (row.due_at !== null && row.due_at < row.issued_at) {
      ctx.addIssue({code: 'custom', path: ['due_at'], message: `${row.due_at} is before issued_at ${row.issued_at}`})
      return z.NEVER
    }
    let amountMinor = 0
    try {
      amountMinor = parseDecimal(row.amount.trim(), row.currency, {field: 'amount'}).minor
    } catch (error) {
      ctx.addIssue({code: 'custom', path: ['amount'], message: (error as Error).message})
      return z.NEVER
    }
    if (amountMinor < 0) {
      ctx.addIssue({code: 'custom', path: ['amount'], message: 'must not be negative'})
      return z.NEVER
    }
    return {
      id: row.id,
      site: row.site,
      customer: row.customer,
      amountMinor,
      currency: row.currency,
      issuedAt: row.issued_at,
      dueAt: row.due_at,
    }
  })

/**
 * Imports invoices and posts each one to the ledger (the customer owes the site) in the same transaction. A changed
 * invoice posts only the difference as a new version, so importing the same file twice changes nothing.
 */
export function importInvoices(ledger: LedgerHandle, ctx: AppContext, file: string): Promise<ImportResult> {
  return auditedImportInto(ledger, ctx, {
    file,
    action: 'invoice.import',
    columns: INVOICE_COLUMNS,
    schema: InvoiceRowSchema,
    *upsert(rows) {
      const r = yield* upsertInvoices.ops(rows)
      for (const [i, invoice] of rows.entries()) {
        const outcome = r.outcomes[i]
        if (outcome === 'inserted' || outcome === 'updated') yield* postInvoice(invoice)
      }
      return r
    },
  })
}

function* postInvoice(invoice: InvoiceInput): Ops<void> {
  const key = {document: `invoice:${invoice.id}`}
  const target = invoicePositions({
    customer: invoice.customer,
    site: invoice.site,
    amount: {minor: invoice.amountMinor, currency: invoice.currency},
  })
  const posted = yield* postedPositions.ops(key)
  const diff = postingDifference(target, posted.lines)
  if (diff.length > 0)
    yield* insertPostings.ops(key, posted.lastVersion + 1, diff, {
      provider: null,
      site: invoice.site,
      customer: invoice.customer,
    })
}
