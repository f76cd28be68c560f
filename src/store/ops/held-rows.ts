import type {Queryable, SqlValue} from '../seam/store.js'
import {type Engine, type HeldInsert, heldText} from './op.js'

/** PostgreSQL binds at most 65,535 values to one statement; fewer rows per statement keep each one's text small. */
const MAX_VALUES = 65_535
/**
 * Rows per statement. Each row count an insert is sent with is a statement text kept for the life of the process
 * (heldText, and on PostgreSQL its numbered and split forms), so the counts must stay few whatever a run's length:
 * on PostgreSQL, where several pages commit together (services/sync/page-writer.ts), a commit's rows go in
 * statements of at most 100 (a 1M-payment sync grew to 343 MB with 1,000, measured; test/bench/RESULTS.md). They
 * go in one message all the same. SQLite commits a page at a time.
 */
const MAX_ROWS: Record<Engine, number> = {sqlite: 1_000, postgres: 100}

/**
 * The rows `later` held in one transaction, grouped by insert, until the runner sends them: each group as one
 * multi-row statement (or a few, within the server's limit on values), the inserts others reference first, then in
 * the order of each insert's first row.
 */
export class HeldRows {
  private readonly groups = new Map<HeldInsert, {rows: number; params: unknown[]}>()
  /** For an insert that merges its rows: each key's row so far, in the order keys first came. */
  private readonly merged = new Map<HeldInsert, Map<string, unknown[]>>()

  constructor(private readonly engine: Engine) {}

  /**
   * Whether a read must wait for the rows held: it names a table they change. The schema has no view and no function
   * a query could call that reads a table (its functions are triggers), so a read that names none of them cannot
   * see the difference, and the rows can wait for the page's others (a reaction's once-per-page reads of rules and
   * targets then no longer cut a page's inserts in three).
   */
  readNeeds(sql: string): boolean {
    for (const insert of this.groups.keys()) {
      for (const table of changedBy(insert)) if (table.test(sql)) return true
    }
    return false
  }

  hold(insert: HeldInsert, rows: number, params: readonly unknown[]): void {
    if (insert.merge) return this.holdMerged(insert, insert.merge, rows, params)
    const group = this.groups.get(insert)
    if (group === undefined) this.groups.set(insert, {rows, params: [...params]})
    else {
      group.rows += rows
      for (const p of params) group.params.push(p)
    }
  }

  private holdMerged(
    insert: HeldInsert,
    merge: NonNullable<HeldInsert['merge']>,
    rows: number,
    params: readonly unknown[],
  ): void {
    let byKey = this.merged.get(insert)
    if (byKey === undefined) {
      this.merged.set(insert, (byKey = new Map()))
      // Its place among the groups; the rows themselves are gathered at send.
      this.groups.set(insert, {rows: 0, params: []})
    }
    const width = params.length / rows
    for (let at = 0; at < rows; at++) {
      const row = params.slice(at * width, (at + 1) * width)
      const key = merge.key(row)
      const earlier = byKey.get(key)
      byKey.set(key, earlier === undefined ? row : merge.combine(earlier, row))
    }
  }

  /** The rows held, to the seam's queue (they go with its next statement that answers something). */
  async send(q: Queryable): Promise<void> {
    for (const [insert, byKey] of this.merged) {
      this.groups.set(insert, {rows: byKey.size, params: [...byKey.values()].flat()})
    }
    this.merged.clear()
    if (this.groups.size === 0) return
    // Referenced rows first (a foreign key checks each statement as it runs); otherwise in the order first held.
    const groups = [...this.groups].sort(([a], [b]) => Number(b.referenced ?? false) - Number(a.referenced ?? false))
    this.groups.clear()
    for (const [insert, {rows, params}] of groups) {
      if (insert.copy && this.engine === 'postgres') {
        const {table, columns} = copyTarget(insert)
        await q.copy(table, columns, params as SqlValue[])
        continue
      }
      const width = params.length / rows
      const step = Math.max(1, Math.min(MAX_ROWS[this.engine], Math.floor(MAX_VALUES / width)))
      for (let at = 0; at < rows; at += step) {
        const n = Math.min(step, rows - at)
        await q.queue(heldText(insert, n, this.engine), params.slice(at * width, (at + n) * width) as SqlValue[])
      }
    }
  }
}

const targets = new WeakMap<HeldInsert, {table: string; columns: string[]}>()

/** The table and columns of an insert that goes by COPY, read from its head; its row must be placeholders only. */
function copyTarget(insert: HeldInsert): {table: string; columns: string[]} {
  let target = targets.get(insert)
  if (target === undefined) {
    const head = /^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*$/i.exec(insert.head)
    const columns = head?.[2]!.split(',').map((c) => c.trim()) ?? []
    const placeholders = `(${columns.map(() => '?').join(', ')})`
    if (
      !head ||
      columns.some((c) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c)) ||
      insert.row.replace(/\s+/g, ' ') !== placeholders
    ) {
      throw new Error(
        `an insert that goes by COPY must be INSERT INTO <table> (<columns>) with a ? per column: ${insert.head}`,
      )
    }
    target = {table: head[1]!, columns}
    targets.set(insert, target)
  }
  return target
}

const changed = new WeakMap<HeldInsert, RegExp[]>()

/** The tables an insert's rows change, as patterns that find a table's name as a whole word in a statement. */
function changedBy(insert: HeldInsert): RegExp[] {
  let tables = changed.get(insert)
  if (tables === undefined) {
    const into = /^\s*INSERT\s+INTO\s+"?([A-Za-z_][A-Za-z0-9_]*)/i.exec(insert.head)?.[1]
    if (into === undefined) throw new Error(`a held insert must begin INSERT INTO <table>: ${insert.head}`)
    tables = [into, ...(insert.alsoChanges ?? [])].map((name) => new RegExp(`\\b${name}\\b`, 'i'))
    changed.set(insert, tables)
  }
  return tables
}
