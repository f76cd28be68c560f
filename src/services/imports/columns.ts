import {headerError, type Header} from './read-rows.js'
import {nearestName} from './nearest.js'
import {UsageError} from '../../core/errors.js'

/** The columns (CSV) or keys (JSON lines) one kind of import reads. */
export interface ColumnRules {
  /** What the file holds, for messages: "sites", "customers", "invoices". */
  what: string
  required: readonly string[]
  optional: readonly string[]
  /** When set, `ref.<name>` columns are allowed, naming a gateway kind or an existing provider id. */
  refs?: {kinds: readonly string[]; providers: readonly string[]}
}

/** "1, 2, 3 and 2 more" */
export function lineList(lines: ReadonlyArray<number | string>, total = lines.length, shown = 3): string {
  const head = lines.slice(0, total > shown + 1 ? shown : total)
  const rest = total - head.length
  if (rest > 0) return `${head.join(', ')} and ${rest} more`
  return head.length === 1 ? `${head[0]}` : `${head.slice(0, -1).join(', ')} and ${head.at(-1)}`
}

function isKnownColumn(name: string, rules: ColumnRules): boolean {
  if (rules.required.includes(name) || rules.optional.includes(name)) return true
  const ref = refName(name, rules)
  return ref !== null && (rules.refs!.kinds.includes(ref) || rules.refs!.providers.includes(ref))
}

/** What follows `ref.` when ref columns are allowed here, else null. */
function refName(name: string, rules: ColumnRules): string | null {
  return rules.refs && name.startsWith('ref.') ? name.slice(4) : null
}

/** `(did you mean "x"?)` and, for a ref column, what a ref column may name. */
function unknownDetail(name: string, rules: ColumnRules): string {
  const refs = rules.refs
  const isRef = refs !== undefined && name.toLowerCase().startsWith('ref.')
  const pool = isRef
    ? [...refs.kinds, ...refs.providers].map((r) => `ref.${r}`)
    : [...rules.required, ...rules.optional]
  const nearest = nearestName(name, pool)
  const guess = nearest ? ` (did you mean "${nearest}"?)` : ''
  if (!isRef) return guess
  const providers = refs.providers.length > 0 ? ` (${lineList(refs.providers, refs.providers.length, 10)})` : ''
  return `${guess}: a ref column names a gateway kind (${refs.kinds.join(', ')}) or a provider id${providers}`
}

/** The columns of a file of this kind, for hints. */
function columnsHint(rules: ColumnRules): string {
  const names = [...rules.required, ...rules.optional, ...(rules.refs ? ['ref.<gateway kind or provider id>'] : [])]
  const required = rules.required.length === 1 ? rules.required[0] : lineList(rules.required, rules.required.length, 99)
  return `A ${rules.what} file has the columns ${names.join(', ')} (${required} required). Nothing was imported.`
}

/** Checks a CSV header once for the whole file; every problem of it goes into one usage error. */
export function checkHeader(file: string, header: Header, rules: ColumnRules): void {
  const {names, line} = header
  const separator = names.length === 1 ? [';', '\t', '|'].find((s) => names[0]!.includes(s)) : undefined
  if (separator) {
    throw headerError(
      file,
      line,
      `the columns are separated by ${separator === '\t' ? 'tab' : `"${separator}"`}; yms-pay reads comma-separated CSV`,
      'Save the file with commas between the columns (or as JSON lines) and import it again. Nothing was imported.',
    )
  }
  const problems: string[] = []
  names.forEach((name, i) => {
    const at = names.flatMap((n, j) => (n === name ? [j + 1] : []))
    if (name === '') problems.push(`column ${i + 1} has no name`)
    else if (at.length > 1 && at[1] === i + 1)
      problems.push(
        `column "${name}" appears ${at.length === 2 ? 'twice' : `${at.length} times`} (columns ${lineList(at, at.length, 99)})`,
      )
    else if (at[0] === i + 1 && !isKnownColumn(name, rules))
      problems.push(`unknown column "${name}"${unknownDetail(name, rules)}`)
  })
  for (const name of rules.required) if (!names.includes(name)) problems.push(`missing column "${name}"`)
  if (problems.length > 0) throw headerError(file, line, problems.join('; '), columnsHint(rules))
}

/** JSON lines have no header: unknown keys are gathered over the whole file and reported as one error. */
export class UnknownKeys {
  private readonly seen = new Map<string, {lines: number[]; count: number}>()

  constructor(private readonly rules: ColumnRules) {}

  note(record: Record<string, string>, line: number): void {
    for (const key of Object.keys(record)) {
      if (isKnownColumn(key, this.rules)) continue
      const entry = this.seen.get(key) ?? {lines: [], count: 0}
      if (entry.lines.length < 3) entry.lines.push(line)
      entry.count += 1
      this.seen.set(key, entry)
    }
  }

  check(file: string): void {
    if (this.seen.size === 0) return
    const problems = [...this.seen].map(
      ([key, {lines, count}]) =>
        `unknown key "${key}" on line${count > 1 ? 's' : ''} ${lineList(lines, count)}${unknownDetail(key, this.rules)}`,
    )
    throw new UsageError(`${file}: ${problems.join('; ')}`, columnsHint(this.rules), 'bad_header')
  }
}
