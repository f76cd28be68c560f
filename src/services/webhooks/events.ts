import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import {dual} from '../../store/ops/dual.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {now, type Ops} from '../../store/ops/op.js'
import {listGrants} from '../../store/repos/grants.js'
import {getProvider} from '../../store/repos/providers.js'
import {
  getWebhookEvent,
  listWebhookEvents,
  lockWebhookCommits,
  restartFetch,
  WEBHOOK_EVENT_STATUSES,
  webhookEventBody,
  type WebhookEventRow,
  type WebhookEventStatus,
} from '../../store/repos/webhook-events.js'
import {appendAudit} from '../audit.js'
import {refuseUnknownFilterNames} from '../filter-names.js'
import {applyItems, type ApplyCounts} from '../sync/apply.js'
import {createConnections} from './connections.js'
import {FETCH_BACKOFF_MS, readEventObjects} from './fetcher.js'
import {decodeEvents} from './stored-events.js'

/** A stored webhook event as `webhooks list` shows it; the body only on request. */
export type WebhookEventView = Omit<WebhookEventRow, 'eventsJson' | 'appliedJson'> & {
  applied: ApplyCounts
  /** Only with `raw: true`: the bytes received, as text. */
  body?: string
}

export const listWebhookEventViews = dual(function* listWebhookEventViews(
  input: {provider?: string; status?: string; limit?: number; raw?: boolean} = {},
): Ops<WebhookEventView[]> {
  const limit = input.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${limit}`)
  if (input.status !== undefined && !(WEBHOOK_EVENT_STATUSES as readonly string[]).includes(input.status))
    throw new UsageError(
      `--status ${JSON.stringify(input.status)}: expected one of ${WEBHOOK_EVENT_STATUSES.join(', ')}`,
    )
  const rows = yield* listWebhookEvents.ops({
    provider: input.provider,
    status: input.status as WebhookEventStatus,
    limit,
  })
  // A removed provider's stored events still filter, whatever status the others ask for.
  const provider = input.provider
  const known = rows.length || (provider ? (yield* listWebhookEvents.ops({provider, limit: 1})).length : 0)
  yield* refuseUnknownFilterNames.ops(known, {provider})
  const views: WebhookEventView[] = []
  for (const row of rows) views.push(yield* toView(row, input.raw === true))
  return views
})

function* toView(row: WebhookEventRow, raw: boolean): Ops<WebhookEventView> {
  const {eventsJson: _events, appliedJson, ...rest} = row
  const view: WebhookEventView = {...rest, applied: JSON.parse(appliedJson) as ApplyCounts}
  if (raw) view.body = (yield* webhookEventBody.ops(row.id))?.toString('utf8') ?? ''
  return view
}

export interface WebhookReplayResult {
  id: number
  provider: string
  applied: ApplyCounts
  /** Objects the event names were read again: null when it names none. */
  fetch: {ok: boolean; error: string | null} | null
}

/**
 * `webhooks replay <id>`: re-applies a stored event exactly as it was verified (source `replay`, the sync's rules:
 * a state older than the stored one changes nothing), reads the objects it names again, and audits it. The ledger
 * must not be re-verified against today's signing secret: it may have been rotated since.
 */
export async function replayWebhookEvent(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: number,
): Promise<WebhookReplayResult> {
  const {row, provider, body} = await ledger.read(
    (function* () {
      const row = yield* getWebhookEvent.ops(id)
      if (!row) return {row, provider: null, body: undefined}
      return {row, provider: yield* getProvider.ops(row.provider), body: yield* webhookEventBody.ops(id)}
    })(),
  )
  if (!row) throw new UsageError(`no webhook event ${id}`, 'List them with `yms-pay webhooks list`.', 'not_found')
  if (!provider) throw new UsageError(`webhook event ${id} belongs to provider ${row.provider}, which no longer exists`)
  const decoded = decodeEvents(row.eventsJson, body)
  const {applied, restarted} = await ledger.write(() =>
    (function* () {
      yield* lockWebhookCommits.ops()
      const counts = yield* applyItems.ops(
        {
          provider: row.provider,
          kind: provider.kind,
          actor: ctx.actor,
          source: 'replay',
          grants: yield* listGrants.ops(row.provider),
          latencySince: null,
          customers: new Map(),
        },
        decoded.items,
        decoded.invalid,
        decoded.skipped,
      )
      if (decoded.fetches.length > 0) yield* restartFetch.ops(id, yield* now())
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'webhook.replay',
        provider: row.provider,
        subject: `webhook event ${id}`,
        outcome: 'ok',
        details: {dedupKey: row.dedupKey, ...counts},
      })
      // The row as the restart left it, for the reading below: read in the transaction that restarted it.
      return {applied: counts, restarted: decoded.fetches.length > 0 ? yield* getWebhookEvent.ops(id) : undefined}
    })(),
  )
  if (restarted === undefined) return {id, provider: row.provider, applied, fetch: null}
  const error = await readEventObjects(ledger, ctx, await createConnections(ledger, ctx), restarted, {
    now: ctx.now,
    backoff: FETCH_BACKOFF_MS,
    source: 'replay',
  })
  return {id, provider: row.provider, applied, fetch: {ok: error === null, error}}
}
