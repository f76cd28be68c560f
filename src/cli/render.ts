import {createRequire} from 'node:module'

import type CliTable3 from 'cli-table3'

import {type Column, fitColumns} from './fit-table.js'
import {displayWidth, truncateTo} from './text-width.js'

export type {Column} from './fit-table.js'

/** The few styles yms-pay uses; plain identity functions when colour is off. */
export interface Paint {
  bold(text: string): string
  cyan(text: string): string
  green(text: string): string
  red(text: string): string
  yellow(text: string): string
}

export type Cell = string | number | null | undefined

/** Output helpers bound to one colour decision. Tables and results go to stdout; notes go to stderr. */
export interface Renderer {
  color: boolean
  chalk: Paint
  /** The terminal's columns that tables fit; undefined when output is not a terminal (nothing is fitted). */
  width: number | undefined
  /**
   * A table that fits `width` (default: the renderer's): the widest cells cut, droppable columns left out, or one
   * record per block when nothing else fits; a line under it says what was cut (--json has every value whole).
   */
  table(head: Array<string | Column>, rows: Cell[][], opts?: {width?: number}): string
  /** "key  value" lines for one object. */
  fields(pairs: Array<[string, Cell]>): string
  /** A sentence for a person, wrapped at word boundaries to `width` (as it is when there is no width). */
  wrap(text: string): string
}

const same = (text: string) => text
const PLAIN: Paint = {bold: same, cyan: same, green: same, red: same, yellow: same}
const require = createRequire(import.meta.url)

/**
 * The width tables fit: COLUMNS when set (as a person or a test asks), else the terminal stdout is; nothing when
 * stdout is a file or a pipe, where a table is not wrapped by anyone and is read by programs.
 */
export function terminalColumns(
  stream: {isTTY?: boolean; columns?: number},
  env: NodeJS.ProcessEnv,
): number | undefined {
  const fromEnv = Number(env.COLUMNS)
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv
  return stream.isTTY && stream.columns ? stream.columns : undefined
}

/** One line per cell: a newline inside a cell would break the row apart. */
const cellText = (cell: Cell): string =>
  cell === null || cell === undefined ? '' : String(cell).replace(/\s*\n\s*/g, ' ')

/**
 * chalk is loaded only when colour is on: a cron run (no TTY) never pays for it, which is a measurable share of
 * start-up. cli-table3 is loaded on the first table, so --json output never loads it.
 */
export async function createRenderer(
  color: boolean,
  width: number | undefined = terminalColumns(process.stdout, process.env),
): Promise<Renderer> {
  const paint: Paint = color ? new (await import('chalk')).Chalk({level: 1}) : PLAIN
  let Table: typeof CliTable3 | undefined
  const bordered = (head: string[], rows: string[][], widths?: number[]) => {
    Table ??= require('cli-table3') as typeof CliTable3
    const table = new Table({
      head: head.map((h) => paint.bold(h)),
      ...(widths ? {colWidths: widths.map((w) => w + 2)} : {}),
      style: {head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true},
    })
    for (const row of rows) table.push(row)
    return table.toString()
  }
  const fields = (pairs: Array<[string, Cell]>) => {
    const keyWidth = Math.max(0, ...pairs.map(([k]) => k.length))
    return pairs.map(([k, v]) => `${paint.bold(k.padEnd(keyWidth))}  ${v ?? ''}`).join('\n')
  }
  return {
    color,
    chalk: paint,
    width,
    table(head, cells, opts = {}) {
      const columns = head.map((h, i): Column =>
        typeof h === 'string' ? {name: h, keep: i === 0} : {keep: i === 0, ...h},
      )
      const rows = cells.map((row) => columns.map((_, i) => cellText(row[i])))
      const fit = opts.width ?? width
      const layout = fitColumns(columns, rows, fit)
      if (layout.kind === 'vertical') return vertical(columns, rows, fit!, paint)
      const text = bordered(
        layout.shown.map((i) => columns[i]!.name),
        rows.map((row) => layout.shown.map((i) => row[i]!)),
        layout.cut ? layout.widths : undefined,
      )
      const left = layout.dropped.map((i) => columns[i]!.name)
      return layout.cut || left.length > 0 ? `${text}\n${cutNote(fit!, layout.cut, left)}` : text
    },
    fields,
    wrap: (text) =>
      width === undefined
        ? text
        : text
            .split('\n')
            .map((line) => wrapWords(line, width))
            .join('\n'),
  }
}

/** What fitting took away, said under the table, itself wrapped to the width. */
function cutNote(width: number, cut: boolean, left: string[]): string {
  const what = [...(left.length > 0 ? [`${left.join(', ')} left out`] : []), ...(cut ? ['… marks cut text'] : [])]
  return wrapWords(`(${what.join('; ')} to fit ${width} columns: --json has every value)`, width)
}

function wrapWords(text: string, width: number): string {
  const lines: string[] = []
  for (const word of text.split(' ')) {
    const last = lines.at(-1)
    if (last !== undefined && displayWidth(last) + 1 + displayWidth(word) <= width)
      lines[lines.length - 1] = `${last} ${word}`
    else lines.push(word)
  }
  return lines.join('\n')
}

/** One record per block, "name  value" lines; the fallback when no table fits. Kept columns are never cut. */
function vertical(columns: Column[], rows: string[][], width: number, paint: Paint): string {
  const keyWidth = Math.max(...columns.map((c) => displayWidth(c.name)))
  const room = Math.max(1, width - keyWidth - 2)
  let cut = false
  const blocks = rows.map((row) =>
    columns
      .map((c, i) => {
        const value = c.keep ? row[i]! : truncateTo(row[i]!, room)
        if (value !== row[i]) cut = true
        return `${paint.bold(c.name.padEnd(keyWidth))}  ${value}`.trimEnd()
      })
      .join('\n'),
  )
  return blocks.join('\n\n') + (cut ? `\n${cutNote(width, true, [])}` : '')
}
