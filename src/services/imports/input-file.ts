import {open, stat} from 'node:fs/promises'

import {UsageError} from '../../core/errors.js'

export type RowFormat = 'csv' | 'jsonl'

const HINT = 'Give the path of a CSV or JSON lines file.'

/** The same words for every way a path can fail, whichever step (stat, open, read) meets it. */
export function unreadable(file: string, error: NodeJS.ErrnoException): UsageError {
  const reason =
    error.code === 'ENOENT' || error.code === 'ENOTDIR'
      ? 'no such file'
      : error.code === 'EISDIR'
        ? 'it is a directory, not a file'
        : error.code === 'EACCES' || error.code === 'EPERM'
          ? 'permission denied'
          : error.message
  return new UsageError(`cannot read ${file}: ${reason}`, HINT)
}

/**
 * Checks that `file` is a readable regular file before anything is read from it, and tells CSV from JSON lines:
 * by extension, else by the first character (`{` or `[` is JSON).
 */
export async function inspectInput(file: string): Promise<RowFormat> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw unreadable(file, error)
  })
  if (info.isDirectory()) throw unreadable(file, Object.assign(new Error('EISDIR'), {code: 'EISDIR'}))
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw unreadable(file, error)
  })
  try {
    if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl'
    if (/\.csv$/i.test(file)) return 'csv'
    const {buffer, bytesRead} = await handle.read(Buffer.alloc(256), 0, 256, 0)
    const start = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart()
    return start.startsWith('{') || start.startsWith('[') ? 'jsonl' : 'csv'
  } finally {
    await handle.close()
  }
}
