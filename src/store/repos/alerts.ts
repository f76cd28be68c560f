import type {Db} from '../db.js'

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

export function insertAlertTarget(
  db: Db,
  t: Pick<AlertTarget, 'id' | 'url' | 'format' | 'events'>,
  at: string = db.now(),
): void {
  db.stmt(
    `INSERT INTO alert_targets (id, url, format, events, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
  ).run(t.id, t.url, t.format, t.events.join(','), at, at)
}

export function getAlertTarget(db: Db, id: string): AlertTarget | null {
  const row = db.stmt(`SELECT ${COLUMNS} FROM alert_targets WHERE id = ?`).get(id) as Row | undefined
  return row === undefined ? null : toTarget(row)
}

export function listAlertTargets(db: Db): AlertTarget[] {
  return (db.stmt(`SELECT ${COLUMNS} FROM alert_targets ORDER BY id`).all() as Row[]).map(toTarget)
}

/**
 * The ids of the enabled targets that take `event`. Called for every transaction an apply writes (it decides
 * whether an alert is worth building at all), so it is one prepared read of a table of a handful of rows.
 */
export function targetsFor(db: Db, event: string): string[] {
  const rows = db.stmt('SELECT id, events FROM alert_targets WHERE enabled = 1 ORDER BY id').all() as Array<{
    id: string
    events: string
  }>
  return rows.filter((r) => r.events.split(',').includes(event)).map((r) => r.id)
}

export function setAlertTargetEnabled(db: Db, id: string, enabled: boolean, reason: string | null): boolean {
  return (
    db
      .stmt('UPDATE alert_targets SET enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?')
      .run(enabled ? 1 : 0, enabled ? null : reason, db.now(), id).changes > 0
  )
}

export function setRotationEnd(db: Db, id: string, endsAt: string | null): void {
  db.stmt('UPDATE alert_targets SET rotation_ends_at = ?, updated_at = ? WHERE id = ?').run(endsAt, db.now(), id)
}

/** Deletes the target and (ON DELETE CASCADE) its deliveries. */
export function deleteAlertTarget(db: Db, id: string): boolean {
  return db.stmt('DELETE FROM alert_targets WHERE id = ?').run(id).changes > 0
}

export function setAlertTargetUrl(db: Db, id: string, url: string): void {
  db.stmt('UPDATE alert_targets SET url = ?, updated_at = ? WHERE id = ?').run(url, db.now(), id)
}
