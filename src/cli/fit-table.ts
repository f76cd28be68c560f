import {displayWidth} from './text-width.js'

/** A table column and what may happen to it when the table is wider than the terminal. */
export interface Column {
  name: string
  /** Never cut: an id a person copies into the next command. The first column keeps by default. */
  keep?: boolean
  /** May be left out when even cut cells do not fit; the lowest number goes first. */
  drop?: number
  /** The narrowest a cut column may become (default: its header, and at least CUT_MIN). */
  min?: number
}

export type Layout =
  {kind: 'table'; shown: number[]; widths: number[]; cut: boolean; dropped: number[]} | {kind: 'vertical'}

const CUT_MIN = 8
/** cli-table3's compact style: one space of padding each side and one border per column, plus the last border. */
const overhead = (columns: number) => 3 * columns + 1
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/**
 * How a table fits `width` terminal columns: as it is; with the widest cuttable cells cut (widest first, never
 * below their minimum); without its droppable columns, lowest `drop` first; or, when nothing else fits, one
 * record per block (vertical). No width (not a terminal) means as it is. A column with no value in any row gives
 * way before anything is cut, and is not reported as left out, since it hides nothing.
 */
export function fitColumns(columns: readonly Column[], rows: readonly string[][], width?: number): Layout {
  const natural = columns.map((c, i) => Math.max(displayWidth(c.name), ...rows.map((r) => displayWidth(r[i] ?? ''))))
  const everything = columns.map((_, i) => i)
  if (width === undefined || sum(natural) + overhead(columns.length) <= width)
    return {kind: 'table', shown: everything, widths: natural, cut: false, dropped: []}
  const all = everything.filter((i) => columns[i]!.keep || rows.length === 0 || rows.some((r) => (r[i] ?? '') !== ''))
  const droppable = all.filter((i) => columns[i]!.drop !== undefined)
  droppable.sort((a, b) => columns[a]!.drop! - columns[b]!.drop!)
  for (let dropped = 0; dropped <= droppable.length; dropped++) {
    const gone = droppable.slice(0, dropped)
    const shown = all.filter((i) => !gone.includes(i))
    const room = width - overhead(shown.length)
    const widths = shown.map((i) => natural[i]!)
    if (sum(widths) <= room) return {kind: 'table', shown, widths, cut: false, dropped: gone}
    const mins = shown.map((i) => minWidth(columns[i]!, natural[i]!))
    if (sum(mins) <= room)
      return {kind: 'table', shown, widths: cutWidest(widths, mins, room), cut: true, dropped: gone}
  }
  return {kind: 'vertical'}
}

function minWidth(column: Column, natural: number): number {
  if (column.keep) return natural
  return Math.min(natural, column.min ?? Math.max(displayWidth(column.name), CUT_MIN))
}

/** Takes one column at a time from the widest cuttable column until the row fits `room`. */
function cutWidest(widths: number[], mins: number[], room: number): number[] {
  const out = [...widths]
  let excess = sum(out) - room
  while (excess > 0) {
    let widest = -1
    for (let i = 0; i < out.length; i++) if (out[i]! > mins[i]! && (widest < 0 || out[i]! > out[widest]!)) widest = i
    out[widest] = out[widest]! - 1
    excess -= 1
  }
  return out
}
