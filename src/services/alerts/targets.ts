import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import {KeychainUnavailableError, type SecretStore} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import type {Ops} from '../../store/ops/op.js'
import * as repo from '../../store/repos/alerts.js'
import {appendAudit} from '../audit.js'
import {openSecretStore} from '../secret-store.js'
import {signingKey} from './sign.js'
import {
  type AlertFormat,
  checkNewTargetId,
  checkTargetUrl,
  maskedSlackUrl,
  parseEvents,
  requireTarget,
} from './target-checks.js'
import {
  missingTargetSecret,
  readTargetSecret,
  SECRET_FIELD,
  secretOwner,
  TARGET_FIELDS,
  targetVariable,
  URL_FIELD,
} from './target-secrets.js'
import {type AlertTargetView, type TargetState, targetState, targetStates, targetView} from './target-view.js'

export type {AlertTargetView} from './target-view.js'

/** Secrets as `field=value` lines read them (stdin, a prompt); a function is called once the input is checked. */
export type TargetSecrets = Record<string, string> | (() => Promise<Record<string, string>>)

export interface AddTargetInput {
  id: string
  format: AlertFormat
  /** A standard target's URL; a Slack one's may come as the secret `url` instead (better: argv is visible). */
  url: string | null
  /** Comma-separated event names, `*` for all; default: every event (slack: all but balance_changed). */
  events?: string
  secrets: TargetSecrets
}

/** The secret fields `alerts add` and `rotate-secret` read for a format. */
export function secretFieldsFor(format: AlertFormat): string[] {
  return format === 'slack' ? [URL_FIELD] : [SECRET_FIELD]
}

/**
 * Adds a receiver: its settings to the ledger, its secret to the keychain (written first, taken back if the ledger
 * refuses), audited. A standard target must have its signing secret, given now or in the environment: an alert
 * nobody can verify is worse than none.
 */
export async function addAlertTarget(
  ledger: LedgerHandle,
  ctx: AppContext,
  input: AddTargetInput,
  given?: SecretStore,
): Promise<AlertTargetView> {
  const store = await ledger.read(
    (function* () {
      yield* checkNewTargetId.ops(input.id)
      return yield* storeOf(ctx, given)
    })(),
  )
  const events = parseEvents(input.events, input.format)
  if (input.format === 'standard' && !input.url) throw new UsageError('--url is required for a standard target')
  if (input.format === 'standard' && input.url) checkTargetUrl(input.url, {secret: false})
  const fields = typeof input.secrets === 'function' ? await input.secrets() : input.secrets
  const {url, secrets} =
    input.format === 'slack' ? slackInput(ctx, store, input, fields) : standardInput(store, input, fields)
  const owner = secretOwner(input.id)
  const stored: string[] = []
  let state: TargetState
  try {
    for (const [field, value] of Object.entries(secrets)) {
      storeSecret(store, input.id, field, value)
      stored.push(field)
    }
    state = await ledger.write(
      (function* () {
        yield* repo.insertAlertTarget.ops({id: input.id, url, format: input.format, events})
        yield* appendAudit.ops({
          actor: ctx.actor,
          action: 'alert.add',
          subject: input.id,
          outcome: 'ok',
          details: {format: input.format, url, events, keychainFieldsStored: stored},
        })
        return yield* targetState.ops(input.id)
      })(),
    )
  } catch (error) {
    for (const field of stored) forget(store, owner, field)
    throw error
  }
  return targetView(store, state, ctx.now())
}

/** The store given (tests), else the ledger's (its keychain entries are named after the ledger's store id). */
export function* storeOf(ctx: AppContext, given: SecretStore | undefined): Ops<SecretStore> {
  return given ?? (yield* openSecretStore.ops(ctx))
}

function standardInput(
  store: SecretStore,
  input: AddTargetInput,
  given: Record<string, string>,
): {url: string; secrets: Record<string, string>} {
  if (given[URL_FIELD] !== undefined) throw new UsageError('a standard target takes its URL as --url, not on stdin')
  const secret = given[SECRET_FIELD] ?? readTargetSecret(store, input.id, SECRET_FIELD)
  if (secret === undefined) throw missingTargetSecret(input.id, SECRET_FIELD)
  signingKey(secret)
  return {url: input.url!, secrets: given[SECRET_FIELD] === undefined ? {} : {[SECRET_FIELD]: secret}}
}

function slackInput(
  ctx: AppContext,
  store: SecretStore,
  input: AddTargetInput,
  given: Record<string, string>,
): {url: string; secrets: Record<string, string>} {
  if (given[SECRET_FIELD] !== undefined) throw new UsageError('a slack target is not signed: it takes no secret')
  if (input.url && given[URL_FIELD] !== undefined)
    throw new UsageError('the Slack URL was given twice: --url and stdin')
  const fresh = input.url ?? given[URL_FIELD]
  const raw = fresh ?? readTargetSecret(store, input.id, URL_FIELD)
  if (raw === undefined) throw missingTargetSecret(input.id, URL_FIELD)
  const url = checkTargetUrl(raw, {secret: true})
  if (input.url)
    ctx.warn(
      '--url leaves the Slack URL, which is a credential, in the shell history and the process list: prefer url=... on stdin with --secrets-from-stdin',
    )
  return {url: maskedSlackUrl(url), secrets: fresh === undefined ? {} : {[URL_FIELD]: fresh}}
}

export async function listAlertTargets(
  ledger: LedgerHandle,
  ctx: AppContext,
  given?: SecretStore,
): Promise<AlertTargetView[]> {
  const {store, states} = await ledger.read(
    (function* () {
      return {store: yield* storeOf(ctx, given), states: yield* targetStates.ops()}
    })(),
  )
  return states.map((state) => targetView(store, state, ctx.now()))
}

export interface RemoveTargetResult {
  id: string
  removed: boolean
  /** Alerts that were still waiting for this target: they are not delivered anywhere. */
  pendingDropped: number
  secretsDeleted: string[]
}

/** Removes the target, its waiting deliveries and its keychain entries (audited, with what was dropped). */
export async function removeAlertTarget(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  given?: SecretStore,
): Promise<RemoveTargetResult> {
  const {store, pendingDropped} = await ledger.read(
    (function* () {
      const store = yield* storeOf(ctx, given)
      return {store, pendingDropped: (yield* targetState.ops(id)).deliveries.pending}
    })(),
  )
  const owner = secretOwner(id)
  const deleted: string[] = []
  for (const field of TARGET_FIELDS) {
    try {
      if (store.source(owner, field) === 'keychain') deleted.push(field)
      store.delete(owner, field)
    } catch (error) {
      ctx.warn(`could not delete keychain entry ${field} of alert target ${id}: ${(error as Error).message}`)
    }
  }
  await ledger.write(
    (function* () {
      yield* repo.deleteAlertTarget.ops(id)
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'alert.remove',
        subject: id,
        outcome: 'ok',
        details: {pendingDropped, keychainFieldsDeleted: deleted},
      })
    })(),
  )
  return {id, removed: true, pendingDropped, secretsDeleted: deleted}
}

/** Enables a target again (after a 410, say): its waiting deliveries resume where they were. */
export async function enableAlertTarget(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  given?: SecretStore,
): Promise<AlertTargetView> {
  const {store, state} = await ledger.write(
    (function* () {
      const store = yield* storeOf(ctx, given)
      const target = yield* requireTarget.ops(id)
      yield* repo.setAlertTargetEnabled.ops(id, true, null)
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'alert.enable',
        subject: id,
        outcome: 'ok',
        details: {wasDisabledBecause: target.disabledReason},
      })
      return {store, state: yield* targetState.ops(id)}
    })(),
  )
  return targetView(store, state, ctx.now())
}

/** Stores one secret; without a keychain, the error names this target's variable (not a provider's). */
export function storeSecret(store: SecretStore, targetId: string, field: string, value: string): void {
  try {
    store.set(secretOwner(targetId), field, value)
  } catch (error) {
    if (!(error instanceof KeychainUnavailableError)) throw error
    throw new KeychainUnavailableError(
      error.reason,
      `cannot store the ${field} of alert target "${targetId}": the OS keychain is unavailable (${error.reason}); for unattended runs set ${targetVariable(targetId, field)} instead`,
      'Start and unlock a Secret Service (e.g. gnome-keyring) in a D-Bus session, or use YMS_PAY_SECRET_* variables.',
    )
  }
}

function forget(store: SecretStore, owner: string, field: string): void {
  try {
    store.delete(owner, field)
  } catch {
    // best effort: the original error is what the admin needs to see
  }
}
