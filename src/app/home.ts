import {userInfo} from 'node:os'
import {join, resolve} from 'node:path'

import {ConfigError, UsageError} from '../core/errors.js'

export interface HomeDirs {
  dataDir: string
  configDir: string
  dbFile: string
  source: 'flag' | 'env' | 'xdg'
}

/**
 * Precedence: --home > YMS_PAY_HOME > XDG dirs (oclif's dataDir/configDir). One directory serves both when given,
 * made absolute so every message names the directory meant. An empty --home or YMS_PAY_HOME is refused rather than
 * read as "unset": a cron line with a misspelt variable must not quietly run against the default home.
 */
export function resolveHome(opts: {
  flag?: string
  env: NodeJS.ProcessEnv
  xdgDataDir: string
  xdgConfigDir: string
}): HomeDirs {
  if (opts.flag !== undefined && opts.flag.trim() === '') {
    throw new UsageError(
      '--home is empty',
      'Pass the data directory, or leave --home out to use YMS_PAY_HOME or the default home.',
    )
  }
  const fromEnv = opts.flag === undefined ? opts.env.YMS_PAY_HOME : undefined
  if (fromEnv !== undefined && fromEnv.trim() === '') {
    throw new ConfigError(
      'YMS_PAY_HOME is set but empty',
      'Set it to the data directory, or unset it to use the default home.',
      'home_empty',
    )
  }
  const explicit = opts.flag ?? fromEnv
  if (explicit !== undefined) {
    const dir = resolve(explicit)
    return {dataDir: dir, configDir: dir, dbFile: join(dir, 'ledger.db'), source: opts.flag ? 'flag' : 'env'}
  }
  return {
    dataDir: opts.xdgDataDir,
    configDir: opts.xdgConfigDir,
    dbFile: join(opts.xdgDataDir, 'ledger.db'),
    source: 'xdg',
  }
}

/** The home as a message names it: the directory and where that choice came from. */
export function describeHome(home: HomeDirs): string {
  const origin = {flag: 'from --home', env: 'from YMS_PAY_HOME', xdg: 'the default home'}[home.source]
  return `${home.dataDir} (${origin})`
}

export function resolveActor(opts: {flag?: string; env: NodeJS.ProcessEnv}): string {
  const explicit = opts.flag ?? (opts.env.YMS_PAY_ACTOR || undefined)
  if (explicit) return explicit
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}
