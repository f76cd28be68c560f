import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, type Ops} from '../ops/op.js'

/** Which of some payments the retry queue knows: as a chain's failed payment, or as an attempt it made. */
export interface RetryLinks {
  /** Ids (provider:external id) of payments a chain began with, and those an apply may have queued since. */
  readonly chains: Set<string>
  /** provider:external id of payments one of the queue's attempts made. */
  readonly attempts: Set<string>
}

const LINKS = bothWays(
  (w) => `SELECT 'chain' AS link, txn_id AS id FROM retries WHERE txn_id ${w.inList('text', '@ids')}
   UNION ALL
   SELECT 'attempt', provider || ':' || external_id FROM retry_attempts
    WHERE provider ${w.inList('text', '@providers')} AND external_id ${w.inList('text', '@externals')}`,
)

/**
 * For a whole page at once, what the retry reaction would ask per payment (retryOfPayment, attemptByExternalId):
 * on PostgreSQL each of those is a round trip (services/retry/reaction.ts).
 */
export const retryLinksIn = dual(function* retryLinksIn(
  txns: ReadonlyArray<{id: string; provider: string; externalId: string}>,
): Ops<RetryLinks> {
  const links: RetryLinks = {chains: new Set(), attempts: new Set()}
  if (txns.length === 0) return links
  const rows = yield* all<{link: string; id: string}>(LINKS, {
    ids: JSON.stringify(txns.map((t) => t.id)),
    providers: JSON.stringify([...new Set(txns.map((t) => t.provider))]),
    externals: JSON.stringify(txns.map((t) => t.externalId)),
  })
  for (const row of rows) (row.link === 'chain' ? links.chains : links.attempts).add(row.id)
  return links
})
