import type {AppContext} from '../../app/context.js'
import {maskUserInfo} from '../../core/credential-urls.js'
import {ExitCode, YmsError} from '../../core/errors.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import {gatewayFacts, isGatewayKind} from '../../gateways/registry.js'
import type {SecretStore} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {recordCalls} from '../../store/repos/sync-state.js'
import {appendAudit} from '../audit.js'
import {requireProvider} from './checks.js'

export interface TestResult {
  provider: string
  kind: string
  ok: true
  baseUrl: string
  durationMs: number
  calls: number
}

/**
 * A connection test answers within seconds: one attempt per call, no retries, a short timeout, and a deadline for
 * the whole test (PayPal's takes two calls). A sync keeps the long timeouts and retries, which a test would only
 * turn into a minute and a half of silence in front of a person waiting for it.
 */
const TEST_CALL_TIMEOUT_MS = 5_000

/** Nothing answered in time, or no connection at all (exit 75: try again later, or fix the URL or the network). */
class GatewayUnreachableError extends YmsError {
  constructor(message: string, hint: string) {
    super(message, {exitCode: ExitCode.locked, code: 'gateway_unreachable', hint})
  }
}

/**
 * Authenticates and reads one page, recording the calls as health probes (they count toward uptime). A refusal of
 * the credentials surfaces as AuthError (exit 77); a missing secret as ConfigError (exit 78); no answer in time as
 * GatewayUnreachableError (exit 75) saying what was tried.
 */
export async function testProvider(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  secrets: SecretStore,
  opts: {callTimeoutMs?: number} = {},
): Promise<TestResult> {
  const p = await ledger.read(requireProvider.ops(id))
  const {connectProvider} = await import('../sync/connect.js')
  const calls: GatewayCall[] = []
  const started = Date.now()
  const timeoutMs = opts.callTimeoutMs ?? TEST_CALL_TIMEOUT_MS
  const {client} = await connectProvider(ctx, p, {
    secrets,
    onCall: (c) => calls.push(c),
    http: {timeoutMs, maxRetries: 0},
  })
  const baseUrl = maskUserInfo(p.baseUrl ?? (isGatewayKind(p.kind) ? gatewayFacts(p.kind).defaultBaseUrl : ''))
  const record = (outcome: 'ok' | 'error', details: Record<string, unknown>) =>
    ledger.write(
      (function* () {
        yield* recordCalls.ops(calls)
        yield* appendAudit.ops({actor: ctx.actor, action: 'provider.test', provider: id, subject: id, outcome, details})
      })(),
    )
  try {
    // The deadline bounds the whole test whatever the adapter does; two calls is the most any gateway's test makes.
    await client.testConnection(AbortSignal.timeout(2 * timeoutMs))
  } catch (error) {
    const failure = unreachable(error, id, baseUrl, calls, timeoutMs) ?? error
    await record('error', {error: (failure as Error).message, calls: calls.length})
    throw failure
  }
  await record('ok', {calls: calls.length})
  return {provider: id, kind: p.kind, ok: true, baseUrl, durationMs: Date.now() - started, calls: calls.length}
}

/** A transport failure or the test's own deadline, said as what was tried and what happened to each call. */
function unreachable(
  error: unknown,
  id: string,
  baseUrl: string,
  calls: readonly GatewayCall[],
  timeoutMs: number,
): GatewayUnreachableError | null {
  const name = (error as Error)?.name
  if (name !== 'TransportError' && name !== 'TimeoutError' && name !== 'CircuitOpenError') return null
  const tried = calls.length
    ? calls
        .map(
          (c) =>
            `${c.endpoint}: ${c.status === null ? c.outcome.replace('_', ' ') : `HTTP ${c.status}`} after ${c.durationMs} ms`,
        )
        .join('; ')
    : 'no call was made'
  return new GatewayUnreachableError(
    `provider ${id}: no answer from ${baseUrl} (${tried}); one attempt per call, no retries, ${timeoutMs / 1000} s per call`,
    `Check the base URL (\`yms-pay providers show ${id}\`) and that this machine reaches it; a sync waits longer and retries.`,
  )
}
