import type {WebhookEventWrite} from '../../../src/store/repos/webhook-events.js'

/**
 * A stored Stripe event that names an object still to read (a thin event), due at `at`: what a fetcher claims and
 * reads. Its objects are read through the test's own connections, so it names none itself.
 */
export function thinEvent(dedupKey: string, at: string): WebhookEventWrite {
  return {
    provider: 'stripe',
    dedupKey,
    receivedAt: at,
    committedAt: at,
    commitMs: 1,
    status: 'fetching',
    summary: 'charge.updated (thin)',
    eventsJson: '[]',
    body: Buffer.from('{}'),
    appliedJson: '{}',
    nextFetchAt: at,
  }
}
