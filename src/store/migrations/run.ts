import type Database from 'better-sqlite3'

import type {Migration} from './migration.js'

/**
 * Applies every migration newer than the file's user_version, each in its own IMMEDIATE transaction that also
 * bumps user_version, so a crash leaves the file at a whole version. The version is re-read under the write
 * lock: two processes opening a fresh file at once both succeed, and each step runs once.
 * Returns the versions applied by this call.
 */
export function runMigrations(db: Database.Database, migrations: readonly Migration[]): number[] {
  assertSequence(migrations)
  const applied: number[] = []
  for (const migration of migrations) {
    if (currentVersion(db) >= migration.version) continue
    const step = db.transaction(() => {
      if (currentVersion(db) >= migration.version) return false
      migration.up(db)
      db.pragma(`user_version = ${migration.version}`)
      return true
    })
    if (step.immediate()) applied.push(migration.version)
  }
  return applied
}

function currentVersion(db: Database.Database): number {
  return db.pragma('user_version', {simple: true}) as number
}

function assertSequence(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration ${migration.name} has version ${migration.version}, expected ${index + 1}`)
    }
  })
}
