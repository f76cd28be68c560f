import type {Db} from '../db.js'

/**
 * State that outlives a run, so that an alert follows a change of state rather than every run that sees it
 * (table alert_conditions, migration 005). No row means the normal state (a gateway up, a sync not failing).
 */
export interface AlertCondition {
  key: string
  state: string
  /** When the episode began (a gateway's first down run); kept while the state moves within the episode. */
  since: string
  /** When the current state was entered. */
  changedAt: string
  detail: string | null
}

export function getCondition(db: Db, key: string): AlertCondition | null {
  const row = db
    .stmt('SELECT key, state, since, changed_at AS changedAt, detail FROM alert_conditions WHERE key = ?')
    .get(key) as AlertCondition | undefined
  return row ?? null
}

export function putCondition(db: Db, c: AlertCondition): void {
  db.stmt(
    `INSERT INTO alert_conditions (key, state, since, changed_at, detail) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET state = excluded.state, since = excluded.since, changed_at = excluded.changed_at,
     detail = excluded.detail`,
  ).run(c.key, c.state, c.since, c.changedAt, c.detail)
}

export function clearCondition(db: Db, key: string): void {
  db.stmt('DELETE FROM alert_conditions WHERE key = ?').run(key)
}
