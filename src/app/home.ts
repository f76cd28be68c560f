import {userInfo} from 'node:os'
import {join} from 'node:path'

export interface HomeDirs {
  dataDir: string
  configDir: string
  dbFile: string
  source: 'flag' | 'env' | 'xdg'
}

/** Precedence: --home > YMS_PAY_HOME > XDG dirs (oclif's dataDir/configDir). One directory serves both when given. */
export function resolveHome(opts: {
  flag?: string
  env: NodeJS.ProcessEnv
  xdgDataDir: string
  xdgConfigDir: string
}): HomeDirs {
  const explicit = opts.flag ?? (opts.env.YMS_PAY_HOME || undefined)
  if (explicit) {
    return {
      dataDir: explicit,
      configDir: explicit,
      dbFile: join(explicit, 'ledger.db'),
      source: opts.flag ? 'flag' : 'env',
    }
  }
  return {
    dataDir: opts.xdgDataDir,
    configDir: opts.xdgConfigDir,
    dbFile: join(opts.xdgDataDir, 'ledger.db'),
    source: 'xdg',
  }
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
