import {type NormalizedTxn, NormalizedTxnSchema, type Quarantined, type Skipped} from '../../core/transaction.js'
import type {ObjectRef, WebhookEvent} from '../../gateways/types.js'
import {scrubSecrets, scrubSecretsIn} from '../../secrets/index.js'
import {serializeItems, serializeSkipped, type SerializedSkipped, type SerializedTxn} from '../sync/apply.js'

/**
 * A verified delivery's events as `webhook_events.events_json` keeps them: what `webhooks replay` re-applies and
 * what the fetcher reads objects for. A transaction keeps its normalized form only: its raw payload is in the body
 * stored beside it (the exact bytes), so the row does not hold the gateway's object twice.
 */
type StoredEvent =
  | {kind: 'txn'; txn: NormalizedTxn}
  | {kind: 'invalid'; item: Quarantined}
  | {kind: 'skipped'; item: Skipped}
  | {kind: 'fetch'; ref: ObjectRef}
  | {kind: 'signal'; name: string; data: Record<string, string>}

/** Secrets taken out, like every stored text (splitEvents). */
export function encodeEvents(events: readonly WebhookEvent[]): string {
  const stored = events.map((e): StoredEvent => (e.kind === 'txn' ? {kind: 'txn', txn: e.item.txn} : e))
  return scrubSecrets(JSON.stringify(stored))
}

/** What a stored delivery applies: the arguments of applyItems, and the objects it names. */
export interface DecodedEvents {
  items: SerializedTxn[]
  invalid: Quarantined[]
  skipped: SerializedSkipped[]
  fetches: ObjectRef[]
}

/** A stored delivery's events; each transaction's raw payload is the delivery's body (JSON when it is JSON). */
export function decodeEvents(json: string, body: Buffer = Buffer.alloc(0)): DecodedEvents {
  const stored = JSON.parse(json) as StoredEvent[]
  const raw = bodyValue(body)
  return splitEvents(
    stored.map((e): WebhookEvent =>
      e.kind === 'txn' ? {kind: 'txn', item: {txn: NormalizedTxnSchema.parse(e.txn), raw}} : e,
    ),
  )
}

function bodyValue(body: Buffer): unknown {
  const text = body.toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/**
 * The arguments of applyItems, with every secret this process has read taken out (as scrub-page.ts does for a pull:
 * a gateway that echoes a credential into a payload gets nothing stored).
 */
export function splitEvents(events: readonly WebhookEvent[]): DecodedEvents {
  const txns = events.flatMap((e) => (e.kind === 'txn' ? [e.item] : []))
  return {
    items: serializeItems(txns).map((i) => ({txn: scrubSecretsIn(i.txn), rawJson: scrubSecrets(i.rawJson)})),
    invalid: events.flatMap((e) => (e.kind === 'invalid' ? [scrubSecretsIn(e.item)] : [])),
    skipped: serializeSkipped(events.flatMap((e) => (e.kind === 'skipped' ? [scrubSecretsIn(e.item)] : []))),
    fetches: events.flatMap((e) => (e.kind === 'fetch' ? [e.ref] : [])),
  }
}

const SUMMARY_MAX = 200

/** What a delivery said, in a few words, for `webhooks list`. */
export function summarize(events: readonly WebhookEvent[]): string {
  const parts = events.map((e) => {
    switch (e.kind) {
      case 'txn':
        return `${e.item.txn.type} ${e.item.txn.externalId} ${e.item.txn.status}`
      case 'invalid':
        return `invalid ${e.item.externalId ?? ''}`.trim()
      case 'skipped':
        return `skipped ${e.item.code} ${e.item.externalId ?? ''}`.trim()
      case 'fetch':
        return `fetch ${e.ref.object} ${e.ref.id}`
      case 'signal':
        return `signal ${e.name}`
    }
  })
  const text = parts.join('; ') || 'nothing'
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text
}
