import type {Quarantined} from '../../core/transaction.js'
import type {WebhookEvent} from '../../gateways/types.js'
import {scrubSecrets} from '../../secrets/index.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {countRedelivery, findWebhookEvent, insertWebhookEvent} from '../../store/repos/webhook-events.js'
import {applyItems, type ApplyCounts, type SerializedSkipped, type SerializedTxn, zeroCounts} from '../sync/apply.js'
import type {ApplyScope} from '../sync/scope.js'
import {encodeEvents, splitEvents, summarize} from './stored-events.js'

/** One verified delivery, as the server hands it to the committer. */
export interface Delivery {
  provider: string
  /** The provider's gateway kind (the apply scope's). */
  kind: string
  dedupKey: string
  events: WebhookEvent[]
  body: Buffer
  /** Epoch ms at which the request reached the server. */
  receivedAt: number
}

/**
 * A delivery ready to write: serialized and scrubbed of secrets on the thread that verified it (it knows the
 * secrets; a writer thread does not), so what crosses to the writer is strings and plain data.
 */
export interface PreparedDelivery {
  provider: string
  kind: string
  dedupKey: string
  receivedAt: number
  items: SerializedTxn[]
  invalid: Quarantined[]
  skipped: SerializedSkipped[]
  fetches: number
  eventsJson: string
  summary: string
  body: Buffer
}

export type DeliveryOutcome =
  | {status: 'applied' | 'fetching'; id: number; counts: ApplyCounts}
  | {status: 'duplicate'; id: number; counts: ApplyCounts}

export function prepareDelivery(d: Delivery): PreparedDelivery {
  const split = splitEvents(d.events)
  return {
    provider: d.provider,
    kind: d.kind,
    dedupKey: d.dedupKey,
    receivedAt: d.receivedAt,
    items: split.items,
    invalid: split.invalid,
    skipped: split.skipped,
    fetches: split.fetches.length,
    eventsJson: encodeEvents(d.events),
    summary: scrubSecrets(summarize(d.events)),
    body: scrubbedBody(d.body),
  }
}

/**
 * Applies one delivery inside the caller's write transaction: a redelivery of a stored event is only counted;
 * a new one applies through the sync's apply path (grants, quarantine, ledger, latency sample with source
 * `webhook`) and is stored with what it did. Events naming objects to read leave the row `fetching`.
 *
 * The stored event is found, not raced for: on PostgreSQL the caller holds lockWebhookCommits, so a redelivery that
 * reached another host first is committed before this transaction reads (commitGroup).
 */
export const applyDelivery = dual(function* applyDelivery(
  scope: ApplyScope,
  d: PreparedDelivery,
  now: number,
): Ops<DeliveryOutcome> {
  const at = new Date(now).toISOString()
  const existing = yield* findWebhookEvent.ops(d.provider, d.dedupKey)
  if (existing !== undefined) {
    yield* countRedelivery.ops(existing, at)
    return {status: 'duplicate', id: existing, counts: zeroCounts()}
  }
  const counts = yield* applyItems.ops(scope, d.items, d.invalid, d.skipped)
  const status = d.fetches > 0 ? 'fetching' : 'applied'
  const id = yield* insertWebhookEvent.ops({
    provider: d.provider,
    dedupKey: d.dedupKey,
    receivedAt: new Date(d.receivedAt).toISOString(),
    committedAt: at,
    commitMs: now - d.receivedAt,
    status,
    summary: d.summary,
    eventsJson: d.eventsJson,
    body: d.body,
    appliedJson: JSON.stringify(counts),
    nextFetchAt: status === 'fetching' ? at : null,
  })
  return {status, id, counts}
})

function scrubbedBody(body: Buffer): Buffer {
  const text = body.toString('utf8')
  const scrubbed = scrubSecrets(text)
  return scrubbed === text ? body : Buffer.from(scrubbed, 'utf8')
}
