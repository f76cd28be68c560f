import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import type {SecretStore} from '../../secrets/index.js'
import type {Db} from '../../store/db.js'
import * as repo from '../../store/repos/alerts.js'
import {appendAudit} from '../audit.js'
import {openSecretStore} from '../secret-store.js'
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
import {storeSecret} from './targets.js'
import {type AlertTargetView, targetView} from './target-view.js'

/** How long the replaced signing secret keeps signing by default: a day, as Svix keeps an old secret valid. */
const DEFAULT_OVERLAP_MS = 86_400_000

/**
 * Replaces a target's credential. For `standard`, the new signing secret signs at once and the replaced one goes on
 * signing beside it (two `v1,` entries) until the overlap ends, so a receiver can switch at any moment in between
 * without refusing a delivery. For `slack`, the URL is replaced.
 */
export async function rotateAlertSecret(
  db: Db,
  ctx: AppContext,
  id: string,
  value: () => Promise<string>,
  opts: {overlapMs?: number} = {},
  store: SecretStore = openSecretStore(db, ctx),
): Promise<AlertTargetView> {
  const target = requireTarget(db, id)
  const owner = secretOwner(id)
  const field = target.format === 'slack' ? URL_FIELD : SECRET_FIELD
  const fresh = await value()
  if (fresh === '') throw new UsageError(`no value given for ${field}`)
  let rotationEndsAt: string | null = null
  if (target.format === 'slack') {
    const url = checkTargetUrl(fresh, {secret: true})
    storeSecret(store, id, URL_FIELD, fresh)
    db.write(() => repo.setAlertTargetUrl(db, id, maskedSlackUrl(url)))
  } else {
    signingKey(fresh)
    const current = readTargetSecret(store, id, SECRET_FIELD)
    if (current !== undefined && current !== fresh) {
      storeSecret(store, id, PREVIOUS_FIELD, current)
      rotationEndsAt = new Date(ctx.now() + (opts.overlapMs ?? DEFAULT_OVERLAP_MS)).toISOString()
    }
    storeSecret(store, id, SECRET_FIELD, fresh)
    db.write(() => repo.setRotationEnd(db, id, rotationEndsAt))
  }
  db.write(() =>
    appendAudit(db, {
      actor: ctx.actor,
      action: 'alert.rotate_secret',
      subject: id,
      outcome: 'ok',
      details: {field, previousSignsUntil: rotationEndsAt},
    }),
  )
  if (store.source(owner, field) === 'env')
    ctx.warn(`${targetVariable(id, field)} is set and still overrides the keychain for this target`)
  return targetView(db, store, requireTarget(db, id), ctx.now())
}
