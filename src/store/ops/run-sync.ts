import type {Db, Statement} from '../db.js'
import {heldText, type Op, type Ops, type Params, spelled} from './op.js'

/**
 * Runs a repository's statements on SQLite, synchronously: each answer is ready before the generator goes on, so a
 * caller inside `db.write(() => …)` stays in its transaction, and no statement pays for a promise.
 *
 * A statement that failed, even if the generator caught it, fails the run, as the seam holds both engines to
 * PostgreSQL's rule (seam/transactions.ts): code that goes on after a failed statement would commit on SQLite and
 * roll back on PostgreSQL. A nested `write` is a savepoint, whose failure its caller may catch and go on.
 */
export function runSync<T>(db: Db, ops: Ops<T>): T {
  let failure: {error: unknown} | undefined
  let step = ops.next()
  while (!step.done) {
    if (failure !== undefined) throw failedBefore(failure.error)
    let answer: unknown
    try {
      answer = answer1(db, step.value)
    } catch (error) {
      if (step.value.kind !== 'write') failure = {error}
      step = ops.throw(error)
      continue
    }
    step = ops.next(answer)
  }
  if (failure !== undefined) throw failedBefore(failure.error)
  return step.value
}

function failedBefore(error: unknown): Error {
  return new Error(
    'a statement of this transaction failed, so it can only roll back (run a statement that may fail in a nested write, and catch that)',
    {cause: error},
  )
}

function answer1(db: Db, op: Op): unknown {
  switch (op.kind) {
    case 'all':
      return bind(statement(db, op.sql, false), op.params, 'all')
    case 'get':
      return bind(statement(db, op.sql, false), op.params, 'get')
    case 'value':
      return bind(statement(db, op.sql, true), op.params, 'get')
    case 'values':
      return bind(statement(db, op.sql, true), op.params, 'all')
    case 'run':
      return {changes: (bind(statement(db, op.sql, false), op.params, 'run') as {changes: number}).changes}
    case 'send':
      bind(statement(db, op.sql, false), op.params, 'run')
      return undefined
    case 'later':
      db.stmt(heldText(op.insert, op.rows, 'sqlite')).run(...op.params)
      return undefined
    case 'each': {
      const rows = bind(statement(db, op.sql, false), op.params, 'iterate') as Iterable<unknown>
      for (const row of rows) op.row(row)
      return undefined
    }
    case 'lock':
      return undefined
    case 'now':
      return db.now()
    case 'engine':
      return 'sqlite'
    case 'write':
      return db.write(() => runSync(db, op.body))
    case 'read':
      return db.read(() => runSync(db, op.body))
  }
}

/**
 * db.stmt's shared statement, its pluck mode set for this use: the mode stays on the statement, and the same text
 * may be asked for rows in one place and a value in another.
 */
function statement(db: Db, sql: Parameters<typeof spelled>[0], pluck: boolean): Statement {
  const prepared = db.stmt(spelled(sql, 'sqlite'))
  return prepared.reader ? prepared.pluck(pluck) : prepared
}

function bind(prepared: Statement, params: Params, method: 'all' | 'get' | 'run' | 'iterate'): unknown {
  return Array.isArray(params) ? prepared[method](...(params as unknown[])) : prepared[method](params)
}
