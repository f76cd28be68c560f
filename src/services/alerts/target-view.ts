import {KeychainUnavailableError, type SecretStore} from '../../secrets/index.js'
import type {Db} from '../../store/db.js'
import type {AlertTarget} from '../../store/repos/alerts.js'
import {targetBacklog, type TargetBacklog} from '../../store/repos/alerts-outbox.js'
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

export function targetView(db: Db, store: SecretStore, t: AlertTarget, nowMs: number): AlertTargetView {
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
    deliveries: targetBacklog(db, t.id),
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
