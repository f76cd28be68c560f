import {ConfigError} from '../../core/errors.js'
import {envVarName, KeychainUnavailableError, type SecretStore} from '../../secrets/index.js'
import type {AlertTarget} from '../../store/repos/alerts.js'
import {signingKey} from './sign.js'

/**
 * A target's secrets, kept like a provider's (services/secret-store.ts): the environment first, then the ledger's
 * keychain entries, under the owner `alert:<id>` (account `<store id>/alert:<id>/<field>`, variable
 * `YMS_PAY_SECRET_ALERT_<ID>_<FIELD>`). A provider id cannot contain ':', so no provider shares an entry, and no
 * gateway has a field named like these, so none shares a variable.
 *
 * - `secret`: the `whsec_` signing secret of a `standard` target;
 * - `previous_secret`: the one it replaced, which also signs until the rotation ends (alerts rotate-secret);
 * - `url`: a `slack` target's URL, which is its credential (anyone holding it can post to the channel).
 */
export const SECRET_FIELD = 'secret'
export const PREVIOUS_FIELD = 'previous_secret'
export const URL_FIELD = 'url'
export const TARGET_FIELDS = [SECRET_FIELD, PREVIOUS_FIELD, URL_FIELD] as const

export function secretOwner(targetId: string): string {
  return `alert:${targetId}`
}

export function targetVariable(targetId: string, field: string): string {
  return envVarName(secretOwner(targetId), field)
}

export function missingTargetSecret(targetId: string, field: string): ConfigError {
  const what = field === URL_FIELD ? 'Slack URL' : 'signing secret'
  return new ConfigError(
    `alert target "${targetId}" has no ${what}: set ${targetVariable(targetId, field)} or run \`yms-pay alerts rotate-secret ${targetId}\``,
    'Alert secrets are read from the environment first, then from the OS keychain.',
    'secret_missing',
  )
}

/** A target's secret, or undefined; without a keychain to ask, the error names this target's variable. */
export function readTargetSecret(store: SecretStore, targetId: string, field: string): string | undefined {
  try {
    return store.get(secretOwner(targetId), field)
  } catch (error) {
    if (!(error instanceof KeychainUnavailableError)) throw error
    throw new KeychainUnavailableError(
      error.reason,
      `cannot read the ${field} of alert target "${targetId}": the OS keychain is unavailable (${error.reason}); set ${targetVariable(targetId, field)} to provide it without a keychain`,
      'For unattended runs (cron, CI) use YMS_PAY_SECRET_* variables.',
    )
  }
}

/** The keys that sign a delivery now: the current one, and the previous one while a rotation lasts. */
export function signingKeys(store: SecretStore, target: AlertTarget, nowMs: number): Buffer[] {
  const current = readTargetSecret(store, target.id, SECRET_FIELD)
  if (current === undefined) throw missingTargetSecret(target.id, SECRET_FIELD)
  const keys = [signingKey(current, `the signing secret of alert target "${target.id}"`)]
  if (target.rotationEndsAt !== null && nowMs < Date.parse(target.rotationEndsAt)) {
    const previous = readTargetSecret(store, target.id, PREVIOUS_FIELD)
    if (previous !== undefined) keys.push(signingKey(previous, `the previous signing secret of "${target.id}"`))
  }
  return keys
}

export function slackUrl(store: SecretStore, target: AlertTarget): string {
  const url = readTargetSecret(store, target.id, URL_FIELD)
  if (url === undefined) throw missingTargetSecret(target.id, URL_FIELD)
  return url
}
