import {isTransactionConflict} from '../pg/conflicts.js'

/**
 * How a top-level write whose body can be run again (a function returning its Ops) is restarted after PostgreSQL
 * broke a deadlock with it or refused it for a serialization failure (pg/conflicts.ts). The whole transaction was
 * rolled back, so running the body from its start again is safe; every other error is the caller's, at once.
 */
export interface RestartPolicy {
  /** Runs in all, the first included. */
  attempts: number
  /** The wait before the second run; doubled before each later one, up to maxMs. */
  baseMs: number
  maxMs: number
  sleep: (ms: number) => Promise<void>
  random: () => number
}

export const RESTART: RestartPolicy = {
  attempts: 5,
  baseMs: 20,
  maxMs: 1_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
}

export async function restarted<T>(run: () => Promise<T>, policy: RestartPolicy = RESTART): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (attempt >= policy.attempts || !isTransactionConflict(error)) throw error
      await policy.sleep(backoff(attempt, policy))
    }
  }
}

/**
 * Half the doubled step, plus a random part of the other half: the losers of one deadlock do not come back at the
 * same instant and lock the same rows in the same race again, and none comes back at once.
 */
function backoff(attempt: number, policy: RestartPolicy): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1))
  return step / 2 + policy.random() * (step / 2)
}
