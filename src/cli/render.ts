import {Chalk, type ChalkInstance} from 'chalk'
import Table from 'cli-table3'

/** Output helpers bound to one colour decision. Tables and results go to stdout; notes go to stderr. */
export interface Renderer {
  color: boolean
  chalk: ChalkInstance
  table(head: string[], rows: Array<Array<string | number | null | undefined>>): string
  /** "key  value" lines for one object. */
  fields(pairs: Array<[string, string | number | null | undefined]>): string
}

export function createRenderer(color: boolean): Renderer {
  const chalk = new Chalk({level: color ? 1 : 0})
  return {
    color,
    chalk,
    table(head, rows) {
      const table = new Table({
        head: head.map((h) => chalk.bold(h)),
        style: {head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true},
      })
      for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
      return table.toString()
    },
    fields(pairs) {
      const width = Math.max(0, ...pairs.map(([k]) => k.length))
      return pairs.map(([k, v]) => `${chalk.bold(k.padEnd(width))}  ${v ?? ''}`).join('\n')
    },
  }
}
