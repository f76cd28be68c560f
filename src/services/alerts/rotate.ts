import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import type {SecretStore} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import * as repo from '../../store/repos/alerts.js'
import {appendAudit} from '../audit.js'
import {signingKey} from './sign.js'
import {checkTargetUrl, maskedSlackUrl, requireTarget} from './target-checks.js'
import {
  PREVIOUS_FIELD,
  readTargetSecret,
  SECRET_FIELD,
  secretOwner,
  targetVariable,
  URL_FIELD,
} from './target-secrets.js'
import {storeOf, storeSecret} from './targets.js'
import {type AlertTargetView, targetState, targetView} from './target-view.js'

/** How long the replaced signing secret keeps signing by default: a day, as Svix keeps an old secret valid. */
const DEFAULT_OVERLAP_MS = 86_400_000

/**
 * Replaces a target's credential. For `standard`, the new signing secret signs at once and the replaced one goes on
 * signing beside it (two `v1,` entries) until the overlap ends, so a receiver can switch at any moment in between
 * without refusing a delivery. For `slack`, the URL is replaced.
 */
export async function rotateAlertSecret(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  value: () => Promise<string>,
  opts: {overlapMs?: number} = {},
  given?: SecretStore,
): Promise<AlertTargetView> {
  const {store, target} = await ledger.read(
    (function* () {
      return {store: yield* storeOf(ctx, given), target: yield* requireTarget.ops(id)}
    })(),
  )
  const owner = secretOwner(id)
  const field = target.format === 'slack' ? URL_FIELD : SECRET_FIELD
  const fresh = await value()
  if (fresh === '') throw new UsageError(`no value given for ${field}`)
  let rotationEndsAt: string | null = null
  let maskedUrl: string | null = null
  if (target.format === 'slack') {
    const url = checkTargetUrl(fresh, {secret: true})
    storeSecret(store, id, URL_FIELD, fresh)
    maskedUrl = maskedSlackUrl(url)
  } else {
    signingKey(fresh)
    const current = readTargetSecret(store, id, SECRET_FIELD)
    if (current !== undefined && current !== fresh) {
      storeSecret(store, id, PREVIOUS_FIELD, current)
      rotationEndsAt = new Date(ctx.now() + (opts.overlapMs ?? DEFAULT_OVERLAP_MS)).toISOString()
    }
    storeSecret(store, id, SECRET_FIELD, fresh)
  }
  // The keychain holds the new credential already: the ledger follows in one transaction, with its audit row.
  const state = await ledger.write(
    (function* () {
      if (maskedUrl !== null) yield* repo.setAlertTargetUrl.ops(id, maskedUrl)
      else yield* repo.setRotationEnd.ops(id, rotationEndsAt)
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'alert.rotate_secret',
        subject: id,
        outcome: 'ok',
        details: {field, previousSignsUntil: rotationEndsAt},
      })
      return yield* targetState.ops(id)
    })(),
  )
  if (store.source(owner, field) === 'env')
    ctx.warn(`${targetVariable(id, field)} is set and still overrides the keychain for this target`)
  return targetView(store, state, ctx.now())
}
