import {createHash} from 'node:crypto'

import type {z} from 'zod'

import {describeIssues} from './translate-kit.js'
import type {WebhookEvent, WebhookVerification} from './types.js'

export function invalidEvent(externalId: string | null, detail: string, raw: unknown): WebhookEvent {
  return {kind: 'invalid', item: {externalId, reason: 'invalid_payload', detail, raw}}
}

/** A stable de-duplication key for a delivery whose body names no event id. */
function bodyDigest(raw: Buffer): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`
}

/**
 * Parses the JSON envelope of a delivery whose signature already checked out. A signed body that cannot be read
 * is accepted and quarantined, not refused: refusing makes the gateway retry it for hours or days.
 */
export function parseSignedJson<T>(
  rawBody: Buffer,
  schema: z.ZodType<T>,
): {ok: true; value: T; body: unknown} | {ok: false; verification: WebhookVerification} {
  let body: unknown
  try {
    body = JSON.parse(rawBody.toString('utf8'))
  } catch {
    return {
      ok: false,
      verification: {
        ok: true,
        dedupKey: bodyDigest(rawBody),
        events: [invalidEvent(null, 'body is not JSON', rawBody.toString('utf8'))],
      },
    }
  }
  const envelope = schema.safeParse(body)
  if (!envelope.success) {
    return {
      ok: false,
      verification: {
        ok: true,
        dedupKey: bodyDigest(rawBody),
        events: [invalidEvent(null, `webhook envelope: ${describeIssues(envelope.error)}`, body)],
      },
    }
  }
  return {ok: true, value: envelope.data, body}
}
