import {statSync} from 'node:fs'

import {describeHome, type HomeDirs} from '../../app/home.js'
import {missingLedger, refuseNonDirectory} from '../../app/open-home.js'
import {YmsError} from '../../core/errors.js'
import {isWritable} from '../../store/reader-target.js'
import {PRIVATE_DIR_MODE, PRIVATE_FILE_MODE} from '../../store/private-files.js'
import {existingSideFiles, refuseOrphans, sizeOf} from '../../store/side-files.js'
import {fail, ok, warn, type DoctorCheck} from './check.js'

/**
 * The checks that need only the file system: the home is a directory holding a ledger, nobody else can read it,
 * this user can write it, and no side file was left without its database. `ledger` is false when the ledger
 * checks cannot run (no ledger to open).
 */
export function checkHome(home: HomeDirs): {checks: DoctorCheck[]; ledger: boolean} {
  const where = describeHome(home)
  const refused = typedFailure('home', () => refuseNonDirectory(home))
  if (refused) return {checks: [refused], ledger: false}
  if (sizeOf(home.dataDir) === undefined) return {checks: [fromError('home', missingLedger(home))], ledger: false}
  const checks = [
    ok('home', `${where} is a directory`),
    modeCheck('home-permissions', [home.dataDir], PRIVATE_DIR_MODE),
  ]
  const orphans = typedFailure('side-files', () => refuseOrphans(home.dbFile))
  if (orphans) return {checks: [...checks, orphans], ledger: false}
  if (sizeOf(home.dbFile) === undefined)
    return {checks: [...checks, fromError('ledger', missingLedger(home))], ledger: false}
  const files = [home.dbFile, ...existingSideFiles(home.dbFile)]
  checks.push(ok('side-files', 'no side file without its database'))
  checks.push(modeCheck('file-permissions', files, PRIVATE_FILE_MODE))
  checks.push(writableCheck([home.dataDir, ...files]))
  return {checks, ledger: true}
}

/** Group or other permission bits on what holds customer data: warn, with the chmod that fixes it. */
function modeCheck(check: string, paths: string[], wanted: number): DoctorCheck {
  const open = paths.filter((path) => (statSync(path).mode & 0o077) !== 0)
  if (open.length === 0) return ok(check, `${paths.length === 1 ? paths[0] : paths.join(', ')}: owner only`)
  const modes = open.map((path) => `${path} is ${(statSync(path).mode & 0o777).toString(8).padStart(4, '0')}`)
  return warn(
    check,
    `${modes.join(', ')}: other users can read what it holds (customer names, emails, raw payloads)`,
    `chmod ${wanted.toString(8)} ${open.join(' ')}`,
  )
}

function writableCheck(paths: string[]): DoctorCheck {
  const blocked = paths.filter((path) => !isWritable(path))
  if (blocked.length === 0) return ok('home-writable', 'this user can write the home and its ledger')
  return warn(
    'home-writable',
    `${blocked.join(', ')} ${blocked.length === 1 ? 'is' : 'are'} not writable by this user: reports work, sync and setup commands will fail`,
    'Run writing commands as the user that owns the home, or make these writable for this user.',
  )
}

function typedFailure(check: string, run: () => void): DoctorCheck | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    if (error instanceof YmsError) return fromError(check, error)
    throw error
  }
}

export function fromError(check: string, error: YmsError): DoctorCheck {
  return fail(check, error.message, error.hint)
}
