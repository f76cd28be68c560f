import {fromNamed} from '../seam/placeholders.js'
import type {Queryable, SqlValue, Store} from '../seam/store.js'
import {HeldRows} from './held-rows.js'
import {type Engine, type Op, type Ops, type Params, type Sql, spelled} from './op.js'

/** Where run-async answers a generator's statements: a transaction of the seam, and the store's clock. */
export interface AsyncTarget {
  readonly engine: Engine
  readonly store: Store
  readonly q: Queryable
  now(): string
}

/**
 * Runs a repository's statements through the async seam, one awaited statement at a time (PostgreSQL; the SQLite
 * seam answers the same, for tests that hold both to one contract). Nested writes and reads go through the Store,
 * which finds the transaction they are called from and makes a write a savepoint of it. Rows held by `later` are
 * sent before the next statement that answers something, before a nested transaction and at the end of the body,
 * so every read sees them; a failure sending them is thrown at that statement.
 */
export async function runAsync<T>(target: AsyncTarget, ops: Ops<T>): Promise<T> {
  const held = new HeldRows(target.engine)
  let step = ops.next()
  while (!step.done) {
    const op = step.value
    if (op.kind === 'later') {
      held.hold(op.insert, op.rows, op.params)
      step = ops.next()
      continue
    }
    let answer: unknown
    try {
      if (mustSend(target, held, op)) await held.send(target.q)
      answer = await answer1(target, op)
    } catch (error) {
      step = ops.throw(error)
      continue
    }
    step = ops.next(answer)
  }
  await held.send(target.q)
  return step.value
}

/** Held rows go before any write or nested transaction, and before a read of a table they change. */
function mustSend(target: AsyncTarget, held: HeldRows, op: Op): boolean {
  switch (op.kind) {
    case 'now':
    case 'engine':
      return false
    case 'all':
    case 'get':
    case 'value':
    case 'values':
    case 'each':
      return held.readNeeds(spelled(op.sql, target.engine))
    default:
      return true
  }
}

async function answer1(target: AsyncTarget, op: Op): Promise<unknown> {
  const {q} = target
  switch (op.kind) {
    case 'all':
      return q.all(...statement(target, op.sql, op.params))
    case 'get':
      return q.get(...statement(target, op.sql, op.params))
    case 'value':
      return firstColumn(await q.get(...statement(target, op.sql, op.params)))
    case 'values':
      return (await q.all(...statement(target, op.sql, op.params))).map(firstColumn)
    case 'run':
      return q.run(...statement(target, op.sql, op.params))
    case 'each':
      for await (const row of q.iterate(...statement(target, op.sql, op.params))) op.row(row)
      return undefined
    case 'now':
      return target.now()
    case 'engine':
      return target.engine
    case 'write':
      return target.store.write((inner) => runAsync({...target, q: inner}, op.body))
    case 'read':
      return target.store.read((inner) => runAsync({...target, q: inner}, op.body))
    case 'later':
      throw new Error('held by runAsync, never answered')
  }
}

/**
 * The text and values for the seam, which binds an array: `@name`s become PostgreSQL's `$n`s (placeholders.ts) and
 * their values that array. Named parameters are for PostgreSQL only here: SQLite's own runner (run-sync.ts) binds
 * them natively.
 */
function statement(target: AsyncTarget, sql: Sql, params: Params): [string, SqlValue[]] {
  const text = spelled(sql, target.engine)
  if (Array.isArray(params)) return [text, params as SqlValue[]]
  if (target.engine !== 'postgres') throw new Error('@name parameters through the seam are for PostgreSQL')
  const named = params as Readonly<Record<string, unknown>>
  const {sql: positional, names} = fromNamed(text)
  return [
    positional,
    names.map((name) => {
      // As better-sqlite3 does: a name without a value is a mistake, not a NULL.
      if (!(name in named)) throw new RangeError(`Missing named parameter "${name}"`)
      return named[name] as SqlValue
    }),
  ]
}

function firstColumn(row: unknown): unknown {
  if (row === undefined) return undefined
  for (const column in row as Record<string, unknown>) return (row as Record<string, unknown>)[column]
  return undefined
}
