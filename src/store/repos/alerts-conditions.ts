import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {get, type Ops, run} from '../ops/op.js'

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

export const getCondition = dual(function* getCondition(key: string): Ops<AlertCondition | null> {
  const row = yield* get<AlertCondition>(GET, [key])
  return row ?? null
})

const GET = bothWays(
  (w) => `SELECT key, state, since, changed_at AS ${w.alias('changedAt')}, detail FROM alert_conditions WHERE key = ?`,
)

export const putCondition = dual(function* putCondition(c: AlertCondition) {
  yield* run(
    `INSERT INTO alert_conditions (key, state, since, changed_at, detail) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET state = excluded.state, since = excluded.since, changed_at = excluded.changed_at,
     detail = excluded.detail`,
    [c.key, c.state, c.since, c.changedAt, c.detail],
  )
})

export const clearCondition = dual(function* clearCondition(key: string) {
  yield* run('DELETE FROM alert_conditions WHERE key = ?', [key])
})
