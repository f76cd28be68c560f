import {cleartextProblem, hasUserInfo} from '../../core/credential-urls.js'
import {UsageError} from '../../core/errors.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {getAlertTarget, listAlertTargets, type AlertTarget} from '../../store/repos/alerts.js'
import {ALERT_EVENTS, type AlertEvent, isAlertEvent} from './events.js'
import {TARGET_FIELDS, targetVariable} from './target-secrets.js'

/** What the alerts commands accept, checked in one place before any secret is read or stored. */
const ID_RULE = 'letters, digits, ".", "_" and "-", at most 64'

export type AlertFormat = AlertTarget['format']

/** `slack` leaves balance_changed out: it is one message per posting, meant for the YMS, not for people. */
function defaultEvents(format: AlertFormat): AlertEvent[] {
  return format === 'slack' ? ALERT_EVENTS.filter((e) => e !== 'balance_changed') : [...ALERT_EVENTS]
}

export function parseEvents(list: string | undefined, format: AlertFormat): AlertEvent[] {
  if (list === undefined) return defaultEvents(format)
  const names = list.split(',').map((e) => e.trim())
  if (names.length === 1 && names[0] === '*') return [...ALERT_EVENTS]
  const unknown = names.filter((e) => !isAlertEvent(e))
  if (unknown.length > 0 || names.length === 0)
    throw new UsageError(
      `--events: unknown event ${unknown.map((e) => JSON.stringify(e)).join(', ')}`,
      `Events: ${ALERT_EVENTS.join(', ')} (or * for all).`,
    )
  return [...new Set(names as AlertEvent[])]
}

export const requireTarget = dual(function* requireTarget(id: string): Ops<AlertTarget> {
  const target = yield* getAlertTarget.ops(id)
  if (!target) throw new UsageError(`unknown alert target "${id}"`, 'List them with `yms-pay alerts list`.')
  return target
})

/** A free, valid id whose secret variables are no other target's (`ops.eu` and `OPS_EU` would share a key). */
export const checkNewTargetId = dual(function* checkNewTargetId(id: string): Ops<void> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id))
    throw new UsageError(`alert target id ${JSON.stringify(id.slice(0, 64))} is not valid: ${ID_RULE}`)
  if (yield* getAlertTarget.ops(id))
    throw new UsageError(`alert target "${id}" already exists`, 'Remove it first: `yms-pay alerts remove`.')
  const mine = new Set(TARGET_FIELDS.map((f) => targetVariable(id, f)))
  for (const other of yield* listAlertTargets.ops()) {
    const shared = TARGET_FIELDS.map((f) => targetVariable(other.id, f)).find((v) => mine.has(v))
    if (shared !== undefined)
      throw new UsageError(
        `alert target id "${id}" would read the same secret variable as "${other.id}" (${shared})`,
        `Choose an id that differs from "${other.id}" in more than case and punctuation.`,
      )
  }
})

/**
 * Where alerts may be posted: https, or plain http to this machine only (a receiver on loopback), like a gateway's
 * credentials (core/credential-urls.ts): an alert carries customer data and balances. A user name or password in
 * the URL is refused: it would be stored in clear. A Slack URL is itself a secret: errors never quote it.
 */
export function checkTargetUrl(value: string, opts: {secret: boolean}): URL {
  const shown = opts.secret ? 'the Slack URL' : `--url ${JSON.stringify(value)}`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`${shown} is not an http(s) URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${shown} is not an http(s) URL`)
  if (hasUserInfo(url))
    throw new UsageError(`${shown} must not carry a user name or password: it would be stored and shown in clear`)
  const problem = cleartextProblem(url)
  if (problem)
    throw new UsageError(
      `${opts.secret ? shown : `--url ${url.origin}`}: ${problem.replace('the credentials', 'the alerts')}`,
    )
  return url
}

/** What `alerts list` shows of a Slack URL: where it goes, not the path that grants posting. */
export function maskedSlackUrl(url: URL): string {
  return `${url.protocol}//${url.host}/***`
}
