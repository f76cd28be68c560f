import type {Cursor} from '../../core/cursor.js'
import type {Page} from '../types.js'
import type {AdyenApi} from './api.js'
import {parseSettlementReport} from './report.js'
import type {TranslateContext} from './translate.js'

/**
 * How the Adyen pull sees changes (docs/gateways.md#adyen-listing): there is no list API. The pull walks
 * settlement detail report batches in order (cursor {nextBatch}); a 404 means that batch is not generated yet
 * and the cursor stays. Reports only hold money movements (settled payments, refunds, chargebacks and their
 * reversals); pending, failed and finally lost states arrive only by webhook.
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

/** One batch file from `reportsUrl` (see reportBaseUrl), filed under the context's merchant account. */
export async function fetchAdyenPage(
  api: AdyenApi,
  reportsUrl: string,
  ctx: TranslateContext,
  cursor: AdyenCursor,
  signal?: AbortSignal,
): Promise<Page> {
  const batch = cursor.nextBatch
  const file = reportFileName(batch)
  const url = `${reportsUrl}/reports/download/MerchantAccount/${encodeURIComponent(ctx.merchantAccount)}/${file}`
  const csv = await api.download(url, 'GET /reports/download/settlement_detail_report_batch', signal)
  if (csv === null) return {items: [], invalid: [], next: {nextBatch: batch}, hasMore: false}
  const parsed = parseSettlementReport(ctx, csv, file)
  return {items: parsed.items, invalid: parsed.invalid, next: {nextBatch: batch + 1}, hasMore: true}
}
