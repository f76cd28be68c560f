import {isUtf8} from 'node:buffer'
import {createReadStream} from 'node:fs'

import {UsageError} from '../../core/errors.js'
import {unreadable} from './input-file.js'

/** One physical line of an input file (1-based), decoded, without its line end. */
export interface Line {
  line: number
  text: string
}

const LF = 0x0a
const BOM_UTF8 = [0xef, 0xbb, 0xbf]
const WINDOWS_1252 = new TextDecoder('windows-1252')

/**
 * Streams a file line by line as strict UTF-8: a byte that is not UTF-8 stops the read with a usage error naming
 * the line, the byte offset and the encoding the file seems to be in, instead of turning into U+FFFD. Splitting
 * on the LF byte is safe because no UTF-8 sequence contains it.
 */
export async function* readUtf8Lines(file: string): AsyncGenerator<Line> {
  let parts: Buffer[] = []
  let line = 0
  let offset = 0
  const take = (bytes: Buffer): Line => {
    line += 1
    const decoded = decodeLine(file, bytes, line, offset)
    offset += bytes.length + 1
    return decoded
  }
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      let start = 0
      for (let nl = chunk.indexOf(LF, start); nl !== -1; nl = chunk.indexOf(LF, start)) {
        parts.push(chunk.subarray(start, nl))
        const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
        parts = []
        yield take(bytes)
        start = nl + 1
      }
      if (start < chunk.length) parts.push(chunk.subarray(start))
    }
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw unreadable(file, error as NodeJS.ErrnoException)
  }
  if (parts.length > 0) yield take(Buffer.concat(parts))
}

function decodeLine(file: string, raw: Buffer, line: number, offset: number): Line {
  let bytes = raw
  let at = offset
  if (line === 1) {
    const utf16 = utf16Bom(bytes)
    if (utf16) throw notUtf8(file, `it is UTF-16 (it starts with the UTF-16 ${utf16} byte order mark)`, 'UTF-16')
    if (BOM_UTF8.every((b, i) => bytes[i] === b)) {
      bytes = bytes.subarray(3)
      at += 3
    }
  }
  if (bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1)
  const nul = bytes.indexOf(0)
  if (nul !== -1) throw notUtf8(file, `line ${line} has a NUL byte at byte offset ${at + nul} (UTF-16?)`, 'UTF-16')
  if (!isUtf8(bytes)) {
    const damage = findDamage(bytes)
    const byte = bytes[damage.at]!
    const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`
    const where = `line ${line} has byte ${hex} at byte offset ${at + damage.at}`
    const char = WINDOWS_1252.decode(bytes.subarray(damage.at, damage.at + 1))
    if (!damage.mixed && /^\P{Cc}$/u.test(char))
      throw notUtf8(file, `${where} (${char} in Windows-1252)`, 'WINDOWS-1252')
    throw notUtf8(file, `${where}, in a line that is partly UTF-8 (damaged or joined from files in two encodings)`)
  }
  return {line, text: bytes.toString('utf8')}
}

function utf16Bom(bytes: Buffer): string | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'LE'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'BE'
  return null
}

function notUtf8(file: string, detail: string, encoding?: 'UTF-16' | 'WINDOWS-1252'): UsageError {
  const looks =
    encoding === 'WINDOWS-1252'
      ? 'The file looks like Windows-1252 (Latin-1). '
      : encoding
        ? `The file looks like ${encoding}. `
        : ''
  const convert = `Convert it to UTF-8${encoding ? `, e.g. \`iconv -f ${encoding} -t UTF-8 ${file} > converted\`` : ''}, and import the result.`
  return new UsageError(`${file} is not UTF-8: ${detail}; nothing was imported`, `${looks}${convert}`, 'not_utf8')
}

/**
 * Where the first byte that is not UTF-8 is (the lead byte of a bad sequence), and whether the line also holds
 * valid multi-byte sequences (then it is damaged UTF-8, not a single-byte encoding).
 */
function findDamage(bytes: Uint8Array): {at: number; mixed: boolean} {
  let at = -1
  let mixed = false
  for (let i = 0; i < bytes.length;) {
    const length = sequenceLength(bytes, i)
    if (length === 0) {
      if (at === -1) at = i
      i += 1
    } else {
      if (length > 1) mixed = true
      i += length
    }
  }
  return {at, mixed}
}

/** The length of the valid UTF-8 sequence at `i` (RFC 3629: no overlongs, surrogates or values past U+10FFFF), or 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i]!
  if (lead < 0x80) return 1
  const more =
    lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0
  if (more === 0) return 0
  for (let k = 1; k <= more; k++) {
    const x = b[i + k]
    let lo = 0x80
    let hi = 0xbf
    if (k === 1 && lead === 0xe0) lo = 0xa0
    if (k === 1 && lead === 0xed) hi = 0x9f
    if (k === 1 && lead === 0xf0) lo = 0x90
    if (k === 1 && lead === 0xf4) hi = 0x8f
    if (x === undefined || x < lo || x > hi) return 0
  }
  return more + 1
}
