import {dual} from '../ops/dual.js'
import {all, get, now, type Ops, run} from '../ops/op.js'

/** An alert receiver (table alert_targets, migration 005). Its keys are in the keychain, never here. */
export interface AlertTarget {
  id: string
  /** The URL for a `standard` target; for `slack`, a masked form (the real URL is a keychain secret). */
  url: string
  format: 'standard' | 'slack'
  events: string[]
  enabled: boolean
  disabledReason: string | null
  /** Until when the previous signing key also signs; null outside a rotation. */
  rotationEndsAt: string | null
  createdAt: string
  updatedAt: string
}

interface Row {
  id: string
  url: string
  format: 'standard' | 'slack'
  events: string
  enabled: number
  disabled_reason: string | null
  rotation_ends_at: string | null
  created_at: string
  updated_at: string
}

const COLUMNS = 'id, url, format, events, enabled, disabled_reason, rotation_ends_at, created_at, updated_at'

function toTarget(r: Row): AlertTarget {
  return {
    id: r.id,
    url: r.url,
    format: r.format,
    events: r.events.split(','),
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    rotationEndsAt: r.rotation_ends_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export const insertAlertTarget = dual(function* insertAlertTarget(
  t: Pick<AlertTarget, 'id' | 'url' | 'format' | 'events'>,
  at?: string,
): Ops<void> {
  const when = at ?? (yield* now())
  yield* run(
    `INSERT INTO alert_targets (id, url, format, events, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
    [t.id, t.url, t.format, t.events.join(','), when, when],
  )
})

export const getAlertTarget = dual(function* getAlertTarget(id: string): Ops<AlertTarget | null> {
  const row = yield* get<Row>(`SELECT ${COLUMNS} FROM alert_targets WHERE id = ?`, [id])
  return row === undefined ? null : toTarget(row)
})

export const listAlertTargets = dual(function* listAlertTargets(): Ops<AlertTarget[]> {
  return (yield* all<Row>(`SELECT ${COLUMNS} FROM alert_targets ORDER BY id`)).map(toTarget)
})

export interface EnabledTarget {
  id: string
  events: string[]
}

/** The enabled targets and the events each takes: one read of a table of a handful of rows. */
export const enabledTargets = dual(function* enabledTargets(): Ops<EnabledTarget[]> {
  const rows = yield* all<{id: string; events: string}>(
    'SELECT id, events FROM alert_targets WHERE enabled = 1 ORDER BY id',
  )
  return rows.map((r) => ({id: r.id, events: r.events.split(',')}))
})

/** The ids of those targets that take `event`. */
export function takers(targets: readonly EnabledTarget[], event: string): string[] {
  return targets.filter((t) => t.events.includes(event)).map((t) => t.id)
}

/** The ids of the enabled targets that take `event`. */
export const targetsFor = dual(function* targetsFor(event: string): Ops<string[]> {
  return takers(yield* enabledTargets.ops(), event)
})

export const setAlertTargetEnabled = dual(function* setAlertTargetEnabled(
  id: string,
  enabled: boolean,
  reason: string | null,
): Ops<boolean> {
  const at = yield* now()
  return (
    (yield* run('UPDATE alert_targets SET enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?', [
      enabled ? 1 : 0,
      enabled ? null : reason,
      at,
      id,
    ])).changes > 0
  )
})

export const setRotationEnd = dual(function* setRotationEnd(id: string, endsAt: string | null) {
  yield* run('UPDATE alert_targets SET rotation_ends_at = ?, updated_at = ? WHERE id = ?', [endsAt, yield* now(), id])
})

/** Deletes the target and (ON DELETE CASCADE) its deliveries. */
export const deleteAlertTarget = dual(function* deleteAlertTarget(id: string) {
  return (yield* run('DELETE FROM alert_targets WHERE id = ?', [id])).changes > 0
})

export const setAlertTargetUrl = dual(function* setAlertTargetUrl(id: string, url: string) {
  yield* run('UPDATE alert_targets SET url = ?, updated_at = ? WHERE id = ?', [url, yield* now(), id])
})
