import {REDACTED, scrubSecrets} from '../../secrets/index.js'

/**
 * Makes audit details safe to store: anything keyed like a secret is masked, recursively and whatever the
 * case; every secret this process has read is taken out of every string, in any encoding (secrets/scrub.ts); and
 * string values that look like credentials are masked wherever they sit. Over-masking is accepted: an audit row
 * that hides a non-secret is a nuisance, one that leaks a key is an incident (and stays: the log is append-only).
 * The result is plain JSON (Errors, Dates, BigInts, Buffers, Maps and Sets are converted).
 */
export {REDACTED}

const SECRET_KEY_PARTS = [
  'secret',
  'token',
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'apikey',
  'privatekey',
  'accesskey',
  'signingkey',
  'hmac',
  'signature',
  'authorization',
  'credential',
  'cookie',
  'cvv',
  'cvc',
  'cardnumber',
]
const SECRET_KEY_EXACT = new Set(['key', 'pan', 'auth', 'pin'])
// Keys that end in "key" but name identifiers, not secrets.
const NOT_SECRET = new Set(['idempotencykey', 'dedupkey', 'providerkey'])

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '')
  if (NOT_SECRET.has(normalized)) return false
  if (SECRET_KEY_EXACT.has(normalized) || normalized.endsWith('key')) return true
  return SECRET_KEY_PARTS.some((part) => normalized.includes(part))
}

const SECRET_VALUE = [
  /^(sk|rk)_(live|test)_/i, // Stripe secret / restricted keys
  /^whsec_/i, // Stripe webhook secrets
  /^(bearer|basic)\s+\S/i, // Authorization header values
  /^-----BEGIN [A-Z ]*PRIVATE KEY-----/,
]

function redactString(text: string): string {
  const value = scrubSecrets(text)
  if (SECRET_VALUE.some((pattern) => pattern.test(value.trim()))) return REDACTED
  return (
    value
      // credentials inside URLs: https://user:pass@host, and https://token@host (a lone user name may be the token)
      .replace(/(\/\/[^/:@\s]+):[^@\s/]+@/g, `$1:${REDACTED}@`)
      .replace(/\/\/[^/:@\s[\]]+@/g, `//${REDACTED}@`)
      // secret-looking query parameters: ?access_token=...&signature=...
      .replace(/([?&][^=&#\s]*(?:token|secret|key|signature|sig|password)[^=&#\s]*=)[^&#\s]*/gi, `$1${REDACTED}`)
  )
}

export function redact(value: unknown): unknown {
  return walk(value, new WeakSet(), 0)
}

const MAX_DEPTH = 32

function walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (typeof value === 'string') return redactString(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'undefined' || typeof value === 'function' || typeof value === 'symbol') return undefined
  if (depth >= MAX_DEPTH) return '[Truncated]'
  if (seen.has(value)) return '[Circular]'
  seen.add(value)
  try {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`
    if (value instanceof Error) {
      return walk({name: value.name, message: value.message, code: (value as {code?: unknown}).code}, seen, depth + 1)
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, seen, depth + 1) ?? null)
    if (value instanceof Set) return [...value].map((item) => walk(item, seen, depth + 1) ?? null)
    const entries =
      value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : Object.entries(value)
    const out: Record<string, unknown> = {}
    for (const [key, item] of entries) {
      if (isSecretKey(key)) {
        out[key] = REDACTED
        continue
      }
      const cleaned = walk(item, seen, depth + 1)
      if (cleaned !== undefined) out[key] = cleaned
    }
    return out
  } finally {
    seen.delete(value) // only ancestors count as cycles; the same object twice side by side is fine
  }
}
