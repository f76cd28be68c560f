import {KeychainUnavailableError, type SecretStore} from '../../secrets/index.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {type AlertTarget, listAlertTargets} from '../../store/repos/alerts.js'
import {targetBacklog, type TargetBacklog} from '../../store/repos/alerts-outbox.js'
import {requireTarget} from './target-checks.js'
import {PREVIOUS_FIELD, SECRET_FIELD, secretOwner, targetVariable, URL_FIELD} from './target-secrets.js'

export interface AlertTargetView {
  id: string
  format: AlertTarget['format']
  /** A Slack URL masked: it is a credential. */
  url: string
  events: string[]
  enabled: boolean
  disabledReason: string | null
  /** Until when the previous signing secret also signs; null outside a rotation. */
  rotationEndsAt: string | null
  secrets: Array<{field: string; source: 'env' | 'keychain' | 'unknown' | null; envVar: string}>
  deliveries: TargetBacklog
}

/**
 * What a view shows from the ledger, read in a transaction; the view itself is made after it, since asking the
 * keychain where each secret comes from is I/O no transaction should wait on.
 */
export interface TargetState {
  target: AlertTarget
  deliveries: TargetBacklog
}

/** The target (an unknown id is a UsageError) and what waits for it. */
export const targetState = dual(function* targetState(id: string): Ops<TargetState> {
  const target = yield* requireTarget.ops(id)
  return {target, deliveries: yield* targetBacklog.ops(id)}
})

/** Every target, by id, and what waits for each. */
export const targetStates = dual(function* targetStates(): Ops<TargetState[]> {
  const states: TargetState[] = []
  for (const target of yield* listAlertTargets.ops())
    states.push({target, deliveries: yield* targetBacklog.ops(target.id)})
  return states
})

export function targetView(store: SecretStore, {target: t, deliveries}: TargetState, nowMs: number): AlertTargetView {
  const rotating = t.rotationEndsAt !== null && nowMs < Date.parse(t.rotationEndsAt)
  const fields = t.format === 'slack' ? [URL_FIELD] : rotating ? [SECRET_FIELD, PREVIOUS_FIELD] : [SECRET_FIELD]
  return {
    id: t.id,
    format: t.format,
    url: t.url,
    events: t.events,
    enabled: t.enabled,
    disabledReason: t.disabledReason,
    rotationEndsAt: rotating ? t.rotationEndsAt : null,
    secrets: fields.map((field) => ({
      field,
      source: sourceOf(store, t.id, field),
      envVar: targetVariable(t.id, field),
    })),
    deliveries,
  }
}

function sourceOf(store: SecretStore, id: string, field: string): 'env' | 'keychain' | 'unknown' | null {
  try {
    return store.source(secretOwner(id), field)
  } catch (error) {
    if (error instanceof KeychainUnavailableError) return 'unknown'
    throw error
  }
}
