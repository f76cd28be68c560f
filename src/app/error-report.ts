import {ExitCode, YmsError} from '../core/errors.js'
import {storageError} from '../store/storage-errors.js'

export interface ErrorReport {
  exitCode: number
  code: string
  message: string
  hint?: string
}

/**
 * The one mapping from anything thrown to an exit code and a message fit for a person or a script. SQLite's errors
 * about the file itself (damaged, unwritable, disk full) name `dbFile` when the caller knows which file it was.
 */
export function toErrorReport(error: unknown, context: {dbFile?: string} = {}): ErrorReport {
  const stored = storageError(error, context.dbFile ?? 'ledger.db')
  if (stored) return toErrorReport(stored)
  if (error instanceof YmsError)
    return {exitCode: error.exitCode, code: error.code, message: error.message, hint: error.hint}
  const e = error as {
    message?: string
    oclif?: {exit?: number}
    code?: string
    name?: string
    exitCode?: unknown
    hint?: string
  }
  // A typed error rebuilt from another thread's reply (the sync's page writer) keeps its code, exit code and hint.
  if (typeof e?.code === 'string' && isExitCode(e.exitCode) && e.oclif === undefined)
    return {exitCode: e.exitCode, code: e.code, message: e.message ?? String(error), hint: e.hint}
  // oclif's own parse errors (unknown flag, missing arg) carry exit 2.
  if (e?.oclif?.exit !== undefined) {
    const exitCode = e.oclif.exit === 0 ? 0 : e.oclif.exit === 1 ? ExitCode.usage : e.oclif.exit
    return {
      exitCode,
      code: 'usage',
      message: firstLine(e.message ?? 'invalid usage'),
      hint: 'See --help for the flags this command takes.',
    }
  }
  if (e?.code === 'SQLITE_BUSY') {
    return {
      exitCode: ExitCode.locked,
      code: 'database_busy',
      message: 'the ledger database stayed locked by another yms-pay process',
      hint: 'Try again when the other run has finished.',
    }
  }
  return {exitCode: ExitCode.internal, code: 'internal', message: e?.message ?? String(error)}
}

function isExitCode(value: unknown): value is number {
  return typeof value === 'number' && (Object.values(ExitCode) as number[]).includes(value)
}

/** oclif's parse errors span several lines (the missing arg and its description): keep them, on one line. */
function firstLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim().replace(/\s{2,}/g, ' '))
    .filter((line) => line !== '' && !/^See more help with/.test(line))
    .join(' ')
}
