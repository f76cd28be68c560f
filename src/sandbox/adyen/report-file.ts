import {formatGatewayDecimal} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import {facts} from '../../gateways/adyen/facts.js'
import {type MerchantEntry, type PaymentEntry, paymentNet, type ReportEntry, type Side} from './entries.js'
import {toCetWallClock} from './render.js'
import {type AdyenWorld, COMPANY_ACCOUNT, MERCHANT_ACCOUNT, pspReference} from './world.js'

/**
 * A batch as the settlement details report file the sandbox account downloads
 * (docs/gateways.md#adyen-settlement-reports). Like a real account's, it is not Adyen's default layout: the
 * account added Shopper Reference and Booking Date, and moved Type and Batch Number forward. Amounts are decimal
 * major units at Adyen's exponent, on the Debit or the Credit side.
 */
export const ACCOUNT_COLUMNS = [
  'Company Account',
  'Merchant Account',
  'Batch Number',
  'Type',
  'Psp Reference',
  'Merchant Reference',
  'Shopper Reference',
  'Payment Method',
  'Booking Date',
  'Creation Date',
  'TimeZone',
  'Modification Reference',
  'Gross Currency',
  'Gross Debit (GC)',
  'Gross Credit (GC)',
  'Exchange Rate',
  'Net Currency',
  'Net Debit (NC)',
  'Net Credit (NC)',
  'Commission (NC)',
  'Markup (NC)',
  'Scheme Fees (NC)',
  'Interchange (NC)',
  'Payment Method Variant',
  'Modification Merchant Reference',
  'Reserved4',
  'Reserved5',
  'Reserved6',
  'Reserved7',
  'Reserved8',
  'Reserved9',
  'Reserved10',
] as const
type SdrRow = Partial<Record<(typeof ACCOUNT_COLUMNS)[number], string>>

/**
 * Adyen's default layout, for an account that added no columns (docs/gateways.md#adyen-settlement-reports): no
 * Shopper Reference, so its rows name a customer only through yms-pay's own merchant references, and the rest
 * of the payments' customers come by webhook.
 */
export const DEFAULT_COLUMNS: readonly (typeof ACCOUNT_COLUMNS)[number][] = [
  'Company Account',
  'Merchant Account',
  'Psp Reference',
  'Merchant Reference',
  'Payment Method',
  'Creation Date',
  'TimeZone',
  'Type',
  'Modification Reference',
  'Gross Currency',
  'Gross Debit (GC)',
  'Gross Credit (GC)',
  'Exchange Rate',
  'Net Currency',
  'Net Debit (NC)',
  'Net Credit (NC)',
  'Commission (NC)',
  'Markup (NC)',
  'Scheme Fees (NC)',
  'Interchange (NC)',
  'Payment Method Variant',
  'Modification Merchant Reference',
  'Batch Number',
  'Reserved4',
  'Reserved5',
  'Reserved6',
  'Reserved7',
  'Reserved8',
  'Reserved9',
  'Reserved10',
]

const decimal = (m: Money): string => formatGatewayDecimal(m, facts.wire)
const sided = (side: Side, m: Money): [string, string] => (side === 'debit' ? [decimal(m), ''] : ['', decimal(m)])

/** A batch's lines as the file Adyen serves, in the account's columns. */
export function renderReport(
  world: AdyenWorld,
  entries: readonly ReportEntry[],
  columns: readonly (typeof ACCOUNT_COLUMNS)[number][] = ACCOUNT_COLUMNS,
): string {
  const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  const lines = [columns.join(',')]
  for (const e of entries) {
    const row = e.kind === 'payment' ? paymentRow(world, e) : merchantRow(e)
    lines.push(columns.map((c) => cell(row[c] ?? '')).join(','))
  }
  return `${lines.join('\n')}\n`
}

function common(e: ReportEntry): SdrRow {
  const when = toCetWallClock(e.at)
  return {
    'Company Account': COMPANY_ACCOUNT,
    'Merchant Account': MERCHANT_ACCOUNT,
    'Batch Number': String(e.batch),
    Type: e.type,
    'Booking Date': when.date,
    'Creation Date': when.date,
    TimeZone: when.zone,
    'Modification Reference': e.modification,
  }
}

function paymentRow(world: AdyenWorld, e: PaymentEntry): SdrRow {
  const [grossDebit, grossCredit] = sided(e.side, e.gross)
  const [netDebit, netCredit] = sided(e.side, paymentNet(e))
  return {
    ...common(e),
    'Psp Reference': pspReference('payment', e.payment.key),
    'Merchant Reference': world.referenceOf(e.payment),
    'Shopper Reference': world.shopperOf(e.payment),
    'Payment Method': 'visa',
    'Gross Currency': e.gross.currency,
    'Gross Debit (GC)': grossDebit,
    'Gross Credit (GC)': grossCredit,
    'Exchange Rate': '1',
    'Net Currency': e.gross.currency,
    'Net Debit (NC)': netDebit,
    'Net Credit (NC)': netCredit,
    'Commission (NC)': e.fee ? decimal(e.fee) : '',
    'Payment Method Variant': 'visaclassic',
  }
}

/** Merchant-level lines carry no payment, and only net amounts (as Adyen's deposit correction sample does). */
function merchantRow(e: MerchantEntry): SdrRow {
  const [netDebit, netCredit] = sided(e.side, e.net)
  return {
    ...common(e),
    'Gross Currency': e.net.currency,
    'Net Currency': e.net.currency,
    'Net Debit (NC)': netDebit,
    'Net Credit (NC)': netCredit,
    'Modification Merchant Reference': e.note ?? '',
  }
}
