import {ConfigError} from '../../core/errors.js'
import type {AdyenSettings} from './schema.js'

/**
 * Which report columns name a payment's customer and invoice (docs/gateways.md#adyen-settlement-reports). An
 * account chooses and orders its report's columns, and most of its payments come from its own checkout, whose
 * merchant references name nobody yms-pay knows: the shopper reference is the natural customer key.
 */
export const DEFAULT_CUSTOMER_COLUMN = 'Shopper Reference'

export interface ReportColumns {
  /** `customer_column`, default `Shopper Reference`. */
  customer: string
  /** `invoice_column`, or null: then only yms-pay's own merchant references name an invoice. */
  invoice: string | null
  /** The columns the admin named: a report without one of them is a setting to fix, not an empty cell. */
  named: string[]
}

export function reportColumns(settings: Pick<AdyenSettings, 'customer_column' | 'invoice_column'>): ReportColumns {
  const named = [settings.customer_column, settings.invoice_column].filter((c): c is string => c !== undefined)
  return {
    customer: settings.customer_column ?? DEFAULT_CUSTOMER_COLUMN,
    invoice: settings.invoice_column ?? null,
    named,
  }
}

/**
 * Refuses a report that lacks a column the admin named. Reading on would file every payment of the checkout under
 * no customer, batch after batch; stopping keeps the cursor on this batch until the setting is fixed.
 */
export function requireNamedColumns(columns: ReportColumns, header: readonly string[], file: string): void {
  const missing = columns.named.filter((c) => !header.includes(c))
  if (missing.length === 0) return
  const setting = (c: string): string => (c === columns.invoice ? 'invoice_column' : 'customer_column')
  throw new ConfigError(
    `${file} has no column ${missing.map((c) => `"${c}" (${setting(c)})`).join(', ')}; its columns: ${header.join(', ')}`,
    'Add the column to the settlement details report in the Customer Area, or change the setting with `yms-pay providers update <id> --setting customer_column=<column>`.',
    'config_invalid',
  )
}
