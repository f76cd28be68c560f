import {ConfigError} from '../core/errors.js'
import {upgradeAdvice} from './upgrade-advice.js'

/**
 * A database whose schema is newer than this code: refused rather than misread, by every store alike. `elsewhere`
 * says how to use another database instead, which differs by store.
 */
export function schemaTooNew(database: string, version: number, latest: number, elsewhere: string): ConfigError {
  return new ConfigError(
    `The database ${database} has schema version ${version}, but this yms-pay supports schema versions up to ${latest}.`,
    `It was written by a newer yms-pay: ${upgradeAdvice()}, or ${elsewhere}.`,
    'schema_too_new',
  )
}
