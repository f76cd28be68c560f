import type Database from 'better-sqlite3'

import {ConfigError} from '../../core/errors.js'
import type {Migration} from './migration.js'

/**
 * Applies every migration newer than the file's user_version, each in its own IMMEDIATE transaction that also
 * bumps user_version, so a crash leaves the file at a whole version. The version is re-read under the write
 * lock: two processes opening a fresh file at once both succeed, and each step runs once.
 * The first migration is the baseline: it builds the schema in an empty file (user_version 0), and a file between
 * 0 and the baseline's version is refused. Returns the versions applied by this call.
 */
export function runMigrations(db: Database.Database, migrations: readonly Migration[]): number[] {
  assertSequence(migrations)
  refuseBeforeBaseline(db, migrations[0])
  const applied: number[] = []
  for (const migration of migrations) {
    if (currentVersion(db) >= migration.version) continue
    const step = db.transaction(() => {
      if (currentVersion(db) >= migration.version) return false
      migration.up(db)
      if (migration.rebuildsReferencedTable) {
        const broken = db.pragma('foreign_key_check') as unknown[]
        if (broken.length > 0)
          throw new Error(`migration ${migration.name} would break ${broken.length} foreign key(s)`)
      }
      db.pragma(`user_version = ${migration.version}`)
      return true
    })
    const foreignKeys = db.pragma('foreign_keys', {simple: true}) as number
    if (migration.rebuildsReferencedTable) db.pragma('foreign_keys = OFF')
    try {
      if (step.immediate()) applied.push(migration.version)
    } finally {
      if (migration.rebuildsReferencedTable) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`)
    }
  }
  return applied
}

function currentVersion(db: Database.Database): number {
  return db.pragma('user_version', {simple: true}) as number
}

/** Versions run consecutively from the baseline's (in every store's list of steps). */
export function assertSequence(migrations: readonly Pick<Migration, 'version' | 'name'>[]): void {
  const first = migrations[0]?.version ?? 1
  migrations.forEach((migration, index) => {
    if (migration.version !== first + index) {
      throw new Error(`migration ${migration.name} has version ${migration.version}, expected ${first + index}`)
    }
  })
}

/**
 * The steps that led to the baseline are gone, so a file part-way along them (a development build's, before
 * 0.1.0) cannot be upgraded here. Refused before any step runs; a build that has those steps can finish the job.
 */
function refuseBeforeBaseline(db: Database.Database, baseline: Migration | undefined): void {
  const version = currentVersion(db)
  if (baseline === undefined || version === 0 || version >= baseline.version) return
  throw new ConfigError(
    `The database ${db.name} has schema version ${version}, from a development build of yms-pay before 0.1.0; this yms-pay reads schema version ${baseline.version} and later.`,
    `Open it once with a development build that has all ${baseline.version} pre-release migrations (commit 4a635a7 or later), which upgrades it to version ${baseline.version}; or move the file away and start from a fresh --home.`,
    'schema_pre_release',
  )
}
