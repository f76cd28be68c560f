import type {FetchedObjects, ObjectRef} from '../types.js'
import type {ReportApi} from './api.js'
import {fetchAdyenPage} from './pull.js'
import type {ReportContext} from './report.js'

const SETTLEMENT_BATCH = /^settlement_detail_report_batch_(\d{1,9})\.csv$/

/**
 * The report a REPORT_AVAILABLE webhook names (docs/gateways.md#adyen-settlement-reports). Only the file NAME is
 * taken from the webhook: the download URL it also carries is not followed, since the report credential must only
 * ever go to the configured report host. A settlement details batch is read exactly as the pull reads it (reading it
 * again later changes nothing); any other report is recorded as skipped. A batch not downloadable yet throws, so
 * the caller tries again later.
 */
export async function fetchAdyenReport(
  api: ReportApi,
  reportsUrl: string,
  ctx: ReportContext,
  ref: ObjectRef,
  signal?: AbortSignal,
): Promise<FetchedObjects> {
  if (ref.object !== 'report') throw new Error(`adyen: cannot fetch a ${ref.object} named by a webhook`)
  const batch = SETTLEMENT_BATCH.exec(ref.id)
  if (!batch) {
    const reason = 'a report yms-pay does not read (only settlement details report batches are posted)'
    return {items: [], invalid: [], skipped: [{externalId: ref.id, code: 'REPORT_AVAILABLE', reason}]}
  }
  const page = await fetchAdyenPage(api, reportsUrl, ctx, {nextBatch: Number(batch[1])}, signal)
  if (!page.hasMore) throw new Error(`adyen: ${ref.id} is announced but not downloadable yet (HTTP 404)`)
  return {items: page.items, invalid: page.invalid, skipped: page.skipped}
}
