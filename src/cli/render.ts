import {createRequire} from 'node:module'

import type CliTable3 from 'cli-table3'

/** The few styles yms-pay uses; plain identity functions when colour is off. */
export interface Paint {
  bold(text: string): string
  cyan(text: string): string
  green(text: string): string
  red(text: string): string
  yellow(text: string): string
}

/** Output helpers bound to one colour decision. Tables and results go to stdout; notes go to stderr. */
export interface Renderer {
  color: boolean
  chalk: Paint
  table(head: string[], rows: Array<Array<string | number | null | undefined>>): string
  /** "key  value" lines for one object. */
  fields(pairs: Array<[string, string | number | null | undefined]>): string
}

const same = (text: string) => text
const PLAIN: Paint = {bold: same, cyan: same, green: same, red: same, yellow: same}
const require = createRequire(import.meta.url)

/**
 * chalk is loaded only when colour is on: a cron run (no TTY) never pays for it, which is a measurable share of
 * start-up. cli-table3 is loaded on the first table, so --json output never loads it.
 */
export async function createRenderer(color: boolean): Promise<Renderer> {
  const paint: Paint = color ? new (await import('chalk')).Chalk({level: 1}) : PLAIN
  let Table: typeof CliTable3 | undefined
  return {
    color,
    chalk: paint,
    table(head, rows) {
      Table ??= require('cli-table3') as typeof CliTable3
      const table = new Table({
        head: head.map((h) => paint.bold(h)),
        style: {head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true},
      })
      for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
      return table.toString()
    },
    fields(pairs) {
      const width = Math.max(0, ...pairs.map(([k]) => k.length))
      return pairs.map(([k, v]) => `${paint.bold(k.padEnd(width))}  ${v ?? ''}`).join('\n')
    },
  }
}
