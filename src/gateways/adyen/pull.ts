import type {Cursor} from '../../core/cursor.js'
import {ConfigError} from '../../core/errors.js'
import type {Page} from '../types.js'
import type {ReportApi} from './api.js'
import {parseSettlementReport, type ReportContext} from './report.js'

/**
 * How the Adyen pull sees changes (docs/gateways.md#adyen-listing): there is no list API. The pull walks
 * settlement details report batches in order (cursor {nextBatch}); a 404 means that batch is not generated yet
 * and the cursor stays. Reports only hold money movements (settled payments, refunds, chargebacks and their
 * reversals, and the merchant's own bookings); pending, failed and finally lost states arrive only by webhook.
 */
export interface AdyenCursor {
  nextBatch: number
}

export function readCursor(cursor: Cursor | null): AdyenCursor {
  const n = cursor?.nextBatch
  return {nextBatch: typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 ? n : 1}
}

/**
 * Production report host: ca-live.adyen.com for live checkout hosts, ca-test.adyen.com for the test host;
 * anything else (the sandbox emulator, a proxy) serves reports under the base URL itself.
 */
export function reportBaseUrl(baseUrl: string, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '')
  const host = new URL(baseUrl).hostname
  if (/(^|[.-])checkout-live\.adyenpayments\.com$/.test(host) || host === 'checkout-live.adyen.com')
    return 'https://ca-live.adyen.com'
  if (host === 'checkout-test.adyen.com') return 'https://ca-test.adyen.com'
  return baseUrl.replace(/\/+$/, '')
}

export function reportFileName(batch: number): string {
  return `settlement_detail_report_batch_${batch}.csv`
}

const HOSTS = 'https://ca-test.adyen.com (test) or https://ca-live.adyen.com (live)'

/** One batch file from `reportsUrl` (see reportBaseUrl), filed under the context's merchant account. */
export async function fetchAdyenPage(
  api: ReportApi,
  reportsUrl: string,
  ctx: ReportContext,
  cursor: AdyenCursor,
  signal?: AbortSignal,
): Promise<Page> {
  const batch = cursor.nextBatch
  const file = reportFileName(batch)
  const url = `${reportsUrl}/reports/download/MerchantAccount/${encodeURIComponent(ctx.merchantAccount)}/${file}`
  // Past the first batch, a 404 is the walk's normal end; on the first it may be a wrong host or account.
  const csv = await api.download(
    url,
    'GET /reports/download/settlement_detail_report_batch',
    {missingIsNormal: batch > 1},
    signal,
  )
  if (csv === null) {
    if (batch === 1) throw noBatchFound(ctx, url, reportsUrl)
    return {items: [], invalid: [], next: {nextBatch: batch}, hasMore: false}
  }
  const parsed = parseSettlementReport(ctx, csv, {file, batch})
  if (parsed.missingColumns.length > 0) throw notAReport(ctx, url, reportsUrl, parsed.missingColumns)
  return {
    items: parsed.items,
    invalid: parsed.invalid,
    skipped: parsed.skipped,
    next: {nextBatch: batch + 1},
    hasMore: true,
  }
}

/** No batch was ever found: an empty account and a wrong host or merchant account look alike, so say both. */
function noBatchFound(ctx: ReportContext, url: string, reportsUrl: string): ConfigError {
  return new ConfigError(
    `provider ${ctx.provider}: no settlement details report has ever been found for merchant account ${ctx.merchantAccount} (${url}: HTTP 404)`,
    `Reports are served by Adyen's report host, ${HOSTS}, not the Checkout host: check report_base_url (now ${reportsUrl}) and merchant_account. An account whose first payout batch has not closed has no report yet: sync again once it has.`,
    'adyen_no_report',
  )
}

/**
 * A 200 that is not a settlement details report (a proxy's page, a wrong host): stopping keeps the cursor, where
 * reading on would file every batch number as an empty, quarantined file, for ever.
 */
function notAReport(ctx: ReportContext, url: string, reportsUrl: string, missing: readonly string[]): ConfigError {
  return new ConfigError(
    `provider ${ctx.provider}: ${url} is not a settlement details report (no ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', …' : ''} column)`,
    `Check report_base_url (now ${reportsUrl}; reports are served by ${HOSTS}), and that the report keeps Adyen's standard columns.`,
    'adyen_not_a_report',
  )
}
