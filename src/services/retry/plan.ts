import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import type {RetryRow} from '../../store/repos/retries.js'
import {unsettledAttempt} from '../../store/repos/retries-attempts.js'
import type {RunConnections} from './connections.js'
import {routeAttempt} from './route.js'
import type {RetryTurn} from './turn.js'

/**
 * `retry run --dry-run`: what the next run would do with a due chain, from the ledger alone. Nothing is sent and no
 * gateway is probed, so a provider counts as up unless it is disabled; the real run may still find it down.
 */
export async function planChain(ledger: LedgerHandle, chain: RetryRow, conns: RunConnections): Promise<RetryTurn> {
  const base = {retry: chain.id, payment: chain.txnId, status: chain.status, attempt: chain.slotsUsed + 1}
  const open = await ledger.read(unsettledAttempt.ops(chain.id))
  if (open)
    return {
      ...base,
      action: 'would_resolve',
      provider: open.provider,
      route: open.route,
      attempt: open.slot,
      outcome: open.status,
      note: `ask ${open.provider} about retry ${open.slot} (${open.status}) before anything else`,
    }
  const routing = await routeAttempt(ledger, conns, chain)
  if (routing.kind === 'wait')
    return {...base, action: 'would_wait', provider: null, route: null, outcome: null, note: routing.reason}
  const {target} = routing
  return {
    ...base,
    action: 'would_send',
    provider: target.provider.id,
    route: target.route,
    outcome: null,
    note: target.reason,
  }
}
