import {createHash} from 'node:crypto'

/**
 * Deterministic values drawn from a list of parts (the seed first): the same scenario shows the same ids,
 * card numbers and reasons on every run, without keeping any state.
 */
const digest = (parts: readonly (string | number)[]) => createHash('sha256').update(parts.join('\u001f'))

/** Text of `length` characters from `alphabet`. */
export function derive(length: number, alphabet: string, ...parts: (string | number)[]): string {
  let out = ''
  let block = 0
  while (out.length < length) {
    for (const byte of digest([...parts, block++]).digest()) {
      if (out.length === length) break
      out += alphabet[byte % alphabet.length]
    }
  }
  return out
}

/** A version-4-shaped UUID (Square's event ids look like one). */
export function deriveUuid(...parts: (string | number)[]): string {
  const hex = digest(parts).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Number.parseInt(hex[16] ?? '0', 16) % 4]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** One of `items`. */
export function pick<T>(items: readonly T[], ...parts: (string | number)[]): T {
  return items[digest(parts).digest().readUInt32BE(0) % items.length] as T
}
