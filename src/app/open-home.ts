import {statSync} from 'node:fs'
import {dirname} from 'node:path'

import {ConfigError} from '../core/errors.js'
import {openDatabase, type Db} from '../store/db.js'
import {isWritable} from '../store/reader-target.js'
import {existingSideFiles, refuseOrphans, sizeOf} from '../store/side-files.js'
import {notWritable} from '../store/storage-errors.js'
import {describeHome, type HomeDirs} from './home.js'
import {creatingCommands, type HomeAccess} from './home-policy.js'

export interface OpenedHome {
  db: Db
  /** The ledger did not exist before this open (only for `create` access). */
  created: boolean
}

/**
 * Opens the home's ledger as the command's access allows (home-policy.ts): refuses a home that is not a directory,
 * side files left without their ledger, a missing ledger unless the command may create one, and a write into a
 * home this user cannot write, each naming the path and where it came from (--home, YMS_PAY_HOME, the default).
 */
export function openHome(home: HomeDirs, access: Exclude<HomeAccess, 'none'>): OpenedHome {
  refuseNonDirectory(home)
  refuseOrphans(home.dbFile)
  const exists = sizeOf(home.dbFile) !== undefined
  if (!exists && access !== 'create') throw missingLedger(home)
  if (access !== 'read') {
    const blocked = firstUnwritable(home)
    if (blocked !== undefined) throw notWritable(blocked)
  }
  const db = openDatabase(home.dbFile, {readonly: access === 'read'})
  return {db, created: !exists}
}

/** A home path that exists but is not a directory (or cannot be reached) is a configuration error naming it. */
export function refuseNonDirectory(home: HomeDirs): void {
  let isDirectory: boolean
  try {
    isDirectory = statSync(home.dataDir).isDirectory()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return
    if (code === 'EACCES') {
      throw new ConfigError(
        `the home ${describeHome(home)} cannot be reached: permission denied on a directory above it`,
        'Run yms-pay as the user that owns the home, or point --home (or YMS_PAY_HOME) at a directory this user can reach.',
        'home_unreachable',
      )
    }
    if (code !== 'ENOTDIR') throw error
    isDirectory = false
  }
  if (!isDirectory) {
    throw new ConfigError(
      `the home ${describeHome(home)} is not a directory (it, or a part of its path, is a file)`,
      'Point --home (or YMS_PAY_HOME) at the yms-pay data directory, not at a file.',
      'home_not_a_directory',
    )
  }
}

export function missingLedger(home: HomeDirs): ConfigError {
  const where = describeHome(home)
  const what = sizeOf(home.dataDir) === undefined ? 'does not exist' : 'holds no yms-pay ledger (ledger.db)'
  return new ConfigError(
    `the home ${where} ${what}`,
    `Check the path for a typo. A new home is made by ${creatingCommands().join(', ')} (customers and invoices ` +
      'need their sites imported first); `yms-pay demo --keep` makes one to explore.',
    'home_missing',
  )
}

/** The first path a write needs and cannot have: the directory (or, if missing, where it would be made) and files. */
function firstUnwritable(home: HomeDirs): string | undefined {
  let dir = home.dataDir
  while (sizeOf(dir) === undefined && dirname(dir) !== dir) dir = dirname(dir)
  const paths = [dir, ...(sizeOf(home.dbFile) === undefined ? [] : [home.dbFile]), ...existingSideFiles(home.dbFile)]
  return paths.find((path) => !isWritable(path))
}
