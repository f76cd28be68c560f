import {randomBytes} from 'node:crypto'

import {Agent} from 'undici'

import type {AppContext} from '../../app/context.js'
import type {SecretStore} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {appendAudit} from '../audit.js'
import {requestFor} from './message.js'
import {post} from './send.js'
import {requireTarget} from './target-checks.js'
import {storeOf} from './targets.js'

export interface TestDelivery {
  id: string
  messageId: string
  /** The receiver's HTTP status; null without an answer. */
  status: number | null
  delivered: boolean
  error: string | null
}

/**
 * Sends one signed `test` message to a target now, outside the outbox (nothing is retried or kept but the audit
 * row), so a receiver can be checked before it is relied on, disabled or not.
 */
export async function testAlertTarget(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  opts: {timeoutMs?: number} = {},
  given?: SecretStore,
): Promise<TestDelivery> {
  const {store, target} = await ledger.read(
    (function* () {
      return {store: yield* storeOf(ctx, given), target: yield* requireTarget.ops(id)}
    })(),
  )
  const at = new Date(ctx.now()).toISOString()
  const messageId = `msg_${randomBytes(18).toString('base64url')}`
  const payload = JSON.stringify({type: 'test', timestamp: at, data: {target: id, note: 'a test from yms-pay'}})
  const request = requestFor(store, target, {messageId, payload}, ctx.now())
  const agent = new Agent()
  const answer = await post(request, {timeoutMs: opts.timeoutMs, dispatcher: agent}).finally(() => agent.close())
  const delivered = answer.status !== null && answer.status >= 200 && answer.status < 300
  const error = answer.status === null ? answer.error : delivered ? null : `HTTP ${answer.status}`
  await ledger.write(
    appendAudit.ops({
      actor: ctx.actor,
      action: 'alert.test',
      subject: id,
      outcome: delivered ? 'ok' : 'error',
      details: {messageId, status: answer.status, error},
    }),
  )
  return {id, messageId, status: answer.status, delivered, error}
}
