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
  /**
   * The advisory locks this transaction holds (lockForTransaction). A savepoint's are its parent's once it is
   * released; one rolled back may have given its own up, so they are asked for again.
   */
  readonly locks?: Set<number>
}

/**
 * Runs a repository's statements through the async seam, one awaited statement at a time (PostgreSQL; the SQLite
 * seam answers the same, for tests that hold both to one contract). Nested writes and reads go through the Store,
 * which finds the transaction they are called from and makes a write a savepoint of it. Rows held by `later` are
 * sent before the next statement that answers something, before a nested transaction and at the end of the body,
 * so every read sees them; a failure sending them is thrown at that statement.
 */
export async function runAsync<T>(given: AsyncTarget, ops: Ops<T>): Promise<T> {
  const target = given.locks ? given : {...given, locks: new Set<number>()}
  const held = new HeldRows(target.engine)
  const result = await runIn(target, held, ops)
  await held.send(target.q)
  return result
}

/**
 * The statements of ops, holding rows in `held`. A nested read runs here too, on the same rows held: inside a write
 * it joins that transaction (seam/transactions.ts) and is no reason to send them (a look-up of a connection while a
 * page is applied would otherwise cut its inserts in two).
 */
async function runIn<T>(target: AsyncTarget, held: HeldRows, ops: Ops<T>): Promise<T> {
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
      if (op.kind === 'read') answer = await runIn(target, held, op.body)
      else {
        if (mustSend(target, held, op)) await held.send(target.q)
        answer = await answer1(target, op)
      }
    } catch (error) {
      step = ops.throw(error)
      continue
    }
    step = ops.next(answer)
  }
  return step.value
}

/** Held rows go before any write or nested transaction, and before a read of a table they change. */
function mustSend(target: AsyncTarget, held: HeldRows, op: Op): boolean {
  switch (op.kind) {
    case 'now':
    case 'engine':
      return false
    case 'lock':
      return target.engine === 'postgres' && !target.locks!.has(op.key)
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
    case 'send':
      return q.queue(...statement(target, op.sql, op.params))
    case 'each':
      for await (const row of q.iterate(...statement(target, op.sql, op.params))) op.row(row)
      return undefined
    case 'lock':
      if (target.engine !== 'postgres' || target.locks!.has(op.key)) return undefined
      // Its answer is nothing: it goes with the next statement, which the server runs only once the lock is granted.
      await q.queue('SELECT pg_advisory_xact_lock(?)', [op.key])
      target.locks!.add(op.key)
      return undefined
    case 'now':
      return target.now()
    case 'engine':
      return target.engine
    case 'write': {
      const locks = new Set(target.locks)
      const result = await target.store.write((inner) => runAsync({...target, q: inner, locks}, op.body))
      for (const key of locks) target.locks!.add(key)
      return result
    }
    case 'read':
      throw new Error('run in place by runIn')
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
