import pg from 'pg'

import type {SqlValue} from './store.js'

/** pg's conversion of a bound value to what it sends (text, or bytes for a Buffer): a literal must say the same. */
export const prepareValue = (pg as unknown as {utils: {prepareValue(value: unknown): string | Buffer | null}}).utils
  .prepareValue

/** The characters COPY's text format escapes with a backslash (docs/postgres.md, "New rows go by COPY"). */
const SPECIAL = /[\\\n\r\t]/
const SPECIALS = /[\\\n\r\t]/g
const ESCAPED: Record<string, string> = {'\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t'}
const escape = (c: string) => ESCAPED[c]!

/**
 * Rows as COPY's text format reads them: a line per row, its fields separated by tabs, NULL as `\N`. Each value
 * is pg's own text of it (prepareValue), as a bound parameter or an inlined literal says it; bytes as bytea's
 * `\x` hex, its backslash escaped. `values` holds the rows one after another, `width` values each. Written straight
 * into one buffer: joining a page's ~2M small strings first and encoding the result cost five times as much.
 */
export function copyData(values: readonly SqlValue[], width: number): Buffer {
  if (values.length % width !== 0) throw new RangeError(`${values.length} values are not rows of ${width}`)
  let out = Buffer.allocUnsafe(1 << 16)
  let at = 0
  for (let i = 0; i < values.length; i++) {
    const text = field(values[i]!)
    // At most three bytes of UTF-8 for each UTF-16 unit, and the separator.
    const room = at + text.length * 3 + 1
    if (room > out.length) {
      const larger = Buffer.allocUnsafe(Math.max(room, out.length * 2))
      out.copy(larger, 0, 0, at)
      out = larger
    }
    at += out.write(text, at)
    out[at++] = (i + 1) % width === 0 ? 0x0a : 0x09
  }
  return out.subarray(0, at)
}

function field(value: SqlValue): string {
  if (typeof value === 'string') return SPECIAL.test(value) ? value.replace(SPECIALS, escape) : value
  const text = prepareValue(value)
  if (text === null) return '\\N'
  if (Buffer.isBuffer(text)) return `\\\\x${text.toString('hex')}`
  return SPECIAL.test(text) ? text.replace(SPECIALS, escape) : text
}

/** The slice of pg's connection a query writes to. */
interface CopyConnection {
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

/**
 * A message of the simple protocol whose statements include `COPY … FROM STDIN`, each COPY's rows (`data`, in the
 * order of the COPYs) sent right behind the message rather than when the server asks for them: the server reads
 * them in order as each COPY starts, so the message costs one round trip like any other. When a statement before a
 * COPY fails, the server skips the rest of the message and ignores the rows that arrive outside a COPY (PostgreSQL's
 * protocol: CopyData, CopyDone and CopyFail are accepted and dropped then), so the connection stays usable. Its
 * answer is pg's Query's: the result of each statement.
 */
export class CopyingQuery extends pg.Query {
  constructor(
    text: string,
    private readonly data: readonly Buffer[],
    callback: (error: Error | undefined, result: unknown) => void,
  ) {
    super(text, callback as never)
  }

  override submit = (connection: unknown): void => {
    const submit = pg.Query.prototype.submit as unknown as (this: pg.Query, c: unknown) => Error | null
    const error = submit.call(this, connection)
    if (error) return error as never
    const copy = connection as CopyConnection
    for (const chunk of this.data) {
      copy.sendCopyFromChunk(chunk)
      copy.endCopyFrom()
    }
  }

  /** pg's Query refuses a COPY it has no stream for; these rows went with the message. */
  handleCopyInResponse(): void {}
}
