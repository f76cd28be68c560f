/**
 * PostgreSQL's answers that say a transaction lost a race, not that it was wrong: a deadlock (40P01, the server
 * chose this transaction to break a cycle of row locks) or a serialization failure (40001). Either rolls the whole
 * transaction back, and running it again from the start can succeed. Anything else (a constraint, a type, a lost
 * connection, which may have committed) is not one of them.
 */
const CONFLICTS = new Set(['40P01', '40001'])

/** Whether `error`, or an error it was caused by, is one of those SQLSTATEs. */
export function isTransactionConflict(error: unknown): boolean {
  // The seam re-throws a statement's error as it is, or wrapped once as the cause of its own (a transaction whose
  // failed statement was caught); a few levels are enough, and a cycle of causes ends.
  let e: unknown = error
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as {code?: unknown}).code
    if (typeof code === 'string' && CONFLICTS.has(code)) return true
    e = (e as {cause?: unknown}).cause
  }
  return false
}
