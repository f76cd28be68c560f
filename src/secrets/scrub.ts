import {base64Cores, isBase64Char, literalForms} from './secret-forms.js'

/**
 * The one scrubber: every secret value this process has read (environment, keychain, stdin, a prompt) is remembered
 * here, and every text about to be stored (audit details, sync runs, quarantine) or printed (errors on stderr and in
 * --json) passes through `scrubSecrets`, which replaces the value and its encoded forms with [REDACTED]. A gateway
 * that echoes a request's Authorization header back in an error body then leaks nothing, however it quoted it.
 *
 * Values shorter than MIN_LENGTH are not remembered: they would match ordinary words and garble every message
 * without protecting anything a gateway would issue (real credentials are 16 characters and more).
 */
export const REDACTED = '[REDACTED]'
const MIN_LENGTH = 8

interface Known {
  literals: string[]
  cores: string[]
}

const known = new Map<string, Known>()
// Longest secret first: one that contains another is replaced whole.
let ordered: Known[] = []

export function rememberSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_LENGTH || known.has(value)) return
  known.set(value, {literals: literalForms(value), cores: base64Cores(value)})
  ordered = [...known.entries()].sort(([a], [b]) => b.length - a.length).map(([, forms]) => forms)
}

/** The text with every remembered secret, in every form secret-forms.ts knows, replaced by [REDACTED]. */
export function scrubSecrets(text: string): string {
  if (ordered.length === 0 || text.length < MIN_LENGTH) return text
  let out = text
  for (const secret of ordered) {
    for (const form of secret.literals) if (out.includes(form)) out = out.split(form).join(REDACTED)
    for (const core of secret.cores) out = redactBase64Runs(out, core)
  }
  return out
}

/** Strings anywhere in a JSON-like value (keys included), scrubbed; the value itself when nothing changed. */
export function scrubSecretsIn<T>(value: T): T {
  if (ordered.length === 0) return value
  return walk(value, 0) as T
}

/** For tests: forget what earlier cases remembered. */
export function forgetSecrets(): void {
  known.clear()
  ordered = []
}

// The whole base64 run around a core goes, not only the core: its edge characters still carry bits of the secret.
function redactBase64Runs(text: string, core: string): string {
  let out = text
  for (let at = out.indexOf(core); at !== -1; at = out.indexOf(core, at + REDACTED.length)) {
    let start = at
    let end = at + core.length
    while (start > 0 && isBase64Char(out[start - 1]!)) start--
    while (end < out.length && isBase64Char(out[end]!)) end++
    out = out.slice(0, start) + REDACTED + out.slice(end)
    at = start
  }
  return out
}

const MAX_DEPTH = 64

// Copies only once something changed: almost nothing holds a secret, and every object stored passes here.
function walk(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value)
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value
  if (Array.isArray(value)) {
    let items: unknown[] | null = null
    for (let i = 0; i < value.length; i++) {
      const item = walk(value[i], depth + 1)
      if (item !== value[i]) (items ??= value.slice())[i] = item
    }
    return items ?? value
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record))
    if (scrubSecrets(key) !== key || walk(record[key], depth + 1) !== record[key]) return copyScrubbed(record, depth)
  return value
}

function copyScrubbed(record: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(record)) out[scrubSecrets(key)] = walk(record[key], depth + 1)
  return out
}
