/**
 * --json output written as JSON.stringify(value, null, 2) would write it, in chunks of about `chunkSize`
 * characters, never as one string for the whole result. oclif's own logJson runs the text through its JSON
 * colouriser, whose string-token regular expression overflows V8's backtracking stack on a string of about 10 MB
 * ("Maximum call stack size exceeded") and re-scans the rest of the text for every token; --json output is never
 * coloured anyway.
 */
export function writeJson(value: unknown, write: (chunk: string) => void, chunkSize = 64 * 1024): void {
  let pending = ''
  const emit = (text: string): void => {
    pending += text
    if (pending.length >= chunkSize) {
      write(pending)
      pending = ''
    }
  }
  const ancestors = new Set<object>()

  /** Writes one value already through toJsonValue; false when JSON.stringify would leave it out. */
  const walk = (v: unknown, indent: string): boolean => {
    if (!writable(v)) return false
    if (v === null || typeof v !== 'object') {
      emit(JSON.stringify(v))
      return true
    }
    if (ancestors.has(v)) throw new TypeError('Converting circular structure to JSON')
    ancestors.add(v)
    const inner = `${indent}  `
    if (Array.isArray(v)) {
      if (v.length === 0) emit('[]')
      for (let i = 0; i < v.length; i++) {
        emit(i === 0 ? `[\n${inner}` : `,\n${inner}`)
        if (!walk(toJsonValue(v[i], String(i)), inner)) emit('null')
      }
      if (v.length > 0) emit(`\n${indent}]`)
    } else {
      let first = true
      for (const [k, raw] of Object.entries(v)) {
        const item = toJsonValue(raw, k)
        if (!writable(item)) continue
        emit(`${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `)
        walk(item, inner)
        first = false
      }
      emit(first ? '{}' : `\n${indent}}`)
    }
    ancestors.delete(v)
    return true
  }

  if (walk(toJsonValue(value, ''), '')) emit('\n')
  if (pending !== '') write(pending)
}

/** What JSON.stringify serialises in place of `value`: its toJSON result, or the primitive of a boxed value. */
function toJsonValue(value: unknown, key: string): unknown {
  let v = value
  if (v !== null && typeof v === 'object' && typeof (v as {toJSON?: unknown}).toJSON === 'function')
    v = (v as {toJSON: (key: string) => unknown}).toJSON(key)
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return v.valueOf()
  return v
}

/** JSON.stringify leaves out undefined, functions and symbols (as null in an array). */
function writable(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol'
}
