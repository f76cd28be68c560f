import {UsageError} from '../core/errors.js'
import {rememberSecret} from './scrub.js'

// Far above any credential set; stops a mistaken pipe (a log file, /dev/urandom) from filling memory.
const MAX_BYTES = 64 * 1024

/**
 * Parses `field=value` lines (for `--secrets-from-stdin`). The value is everything after the first `=`,
 * trimmed; blank lines and `#` comments are skipped. Errors name the line and the allowed fields, but never
 * echo the line: a mistyped line may well be a secret (even the part before `=`, say a base64 key's padding).
 */
export function parseSecretLines(text: string, allowedFields: readonly string[]): Record<string, string> {
  const allowed = new Set(allowedFields)
  const expected = allowedFields.join(', ')
  const secrets: Record<string, string> = {}
  const seenOn = new Map<string, number>()
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)

  lines.forEach((raw, index) => {
    const lineNo = index + 1
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const eq = line.indexOf('=')
    if (eq === -1) throw new UsageError(`stdin line ${lineNo}: expected field=value (fields: ${expected})`)
    const field = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (field === '') throw new UsageError(`stdin line ${lineNo}: missing field name before "=" (fields: ${expected})`)
    if (!allowed.has(field)) throw new UsageError(`stdin line ${lineNo}: unknown secret field (allowed: ${expected})`)
    if (value === '') throw new UsageError(`stdin line ${lineNo}: empty value for ${field}`)
    const first = seenOn.get(field)
    if (first !== undefined) throw new UsageError(`stdin line ${lineNo}: ${field} given again (first on line ${first})`)
    seenOn.set(field, lineNo)
    rememberSecret(value)
    secrets[field] = value
  })

  if (seenOn.size === 0) throw new UsageError(`no secrets on stdin: expected field=value lines (fields: ${expected})`)
  return secrets
}

/** Reads the whole stream (normally process.stdin) and parses it with parseSecretLines. */
export async function readSecretsFromStdin(
  stream: NodeJS.ReadableStream,
  allowedFields: readonly string[],
): Promise<Record<string, string>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buf.length
    if (size > MAX_BYTES)
      throw new UsageError(`stdin holds more than ${MAX_BYTES} bytes; expected a few field=value lines`)
    chunks.push(buf)
  }
  return parseSecretLines(Buffer.concat(chunks).toString('utf8'), allowedFields)
}
