import {isAllowed} from '../../core/access.js'
import {type Route, type RouteCandidate, routeToFallback, routeToPrimary} from '../../core/retry/policy.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import type {Ops} from '../../store/ops/op.js'
import {segmentOf} from '../../store/repos/customers.js'
import {listGrants} from '../../store/repos/grants.js'
import {getProvider, type Provider} from '../../store/repos/providers.js'
import type {RetryRow} from '../../store/repos/retries.js'
import {customerRefAt, paymentMethodAt} from '../../store/repos/retries-methods.js'
import {getTxnState} from '../../store/repos/transactions.js'
import type {RunConnections} from './connections.js'

/** Where an attempt goes: a processor with the customer's id and payment method there. */
export interface Target {
  provider: Provider
  route: 'primary' | 'fallback'
  reason: string
  customerRef: string
  methodRef: string
}

type Routing = {kind: 'send'; target: Target} | {kind: 'wait'; reason: string}

interface Candidate extends RouteCandidate {
  row: Provider | null
  customerRef: string | null
  methodRef: string | null
}

/**
 * What the engine knows about one processor for this chain: whether it may charge this customer (a write grant
 * for the customer's segment and site, the customer's id and payment method there, the ability to create payments)
 * and whether it is up. Whether it is up is only asked of a processor that may charge the customer at all. The
 * ledger is read first, in one snapshot; the gateway is asked after it, outside any transaction.
 */
async function candidate(
  ledger: LedgerHandle,
  conns: RunConnections,
  chain: RetryRow,
  providerId: string,
  role: 'primary' | 'fallback',
): Promise<Candidate> {
  const known = await ledger.read(candidateFacts(chain, providerId, role))
  if (known.blocked !== null) return known
  const row = known.row!
  const none = {row, customerRef: null, methodRef: null, unavailable: null}
  const gateway = row.enabled ? await conns.open(row).catch(() => null) : null
  if (gateway && !gateway.client.createPayment)
    return {...none, provider: row.id, blocked: `${row.kind} cannot create payments`}
  return {...known, unavailable: await conns.unavailable(row)}
}

/** What the ledger says of one processor for this chain: blocked (and why), or the refs to charge there. */
function* candidateFacts(chain: RetryRow, providerId: string, role: 'primary' | 'fallback'): Ops<Candidate> {
  const row = yield* getProvider.ops(providerId)
  const none = {row, customerRef: null, methodRef: null, unavailable: null}
  if (row === null) return {...none, provider: providerId, blocked: 'was removed'}
  const segment = yield* segmentOf.ops(chain.customerId)
  if (!isAllowed(yield* listGrants.ops(row.id), {segment, site: chain.siteId}, 'write'))
    return {
      ...none,
      provider: row.id,
      blocked: `has no write grant for segment "${segment}" at site ${chain.siteId}`,
    }
  // At the primary, the id the failed payment itself carries; elsewhere, the customer's imported ref.
  const failed = role === 'primary' ? (yield* getTxnState.ops(chain.txnId))?.txn.customerRef : null
  const customerRef = failed ?? (yield* customerRefAt.ops(chain.customerId, row.id, row.kind))
  const methodRef = yield* paymentMethodAt.ops(chain.customerId, row.id, row.kind)
  const missing = [
    customerRef ? null : `no ref.${row.id} for customer ${chain.customerId}`,
    methodRef ? null : `no payment method for customer ${chain.customerId} (yms-pay retry methods import)`,
  ].filter((m): m is string => m !== null)
  if (missing.length > 0) return {...none, provider: row.id, blocked: missing.join('; ')}
  return {row, provider: row.id, customerRef, methodRef, blocked: null, unavailable: null}
}

function target(c: Candidate, route: Extract<Route, {route: 'primary' | 'fallback'}>): Target {
  return {
    provider: c.row!,
    route: route.route,
    reason: route.reason,
    customerRef: c.customerRef!,
    methodRef: c.methodRef!,
  }
}

/** The primary when it can take the attempt; the fallback only when the primary is unavailable and it qualifies. */
export async function routeAttempt(ledger: LedgerHandle, conns: RunConnections, chain: RetryRow): Promise<Routing> {
  const primary = await candidate(ledger, conns, chain, chain.provider, 'primary')
  const first = routeToPrimary(primary)
  if (first.route === 'primary') return {kind: 'send', target: target(primary, first)}
  if (first.route === 'wait') return {kind: 'wait', reason: first.reason}
  const fallbackId = primary.row?.fallback ?? null
  const fallback = fallbackId ? await candidate(ledger, conns, chain, fallbackId, 'fallback') : null
  const second = routeToFallback(first.reason, fallback)
  if (second.route === 'fallback') return {kind: 'send', target: target(fallback!, second)}
  return {kind: 'wait', reason: second.reason}
}
