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
      if (migration.rebuildsReferencedTable) {
        const broken = db.pragma('foreign_key_check') as unknown[]
        if (broken.length > 0) throw new Error(`migration ${migration.name} would break ${broken.length} foreign key(s)`)
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

function assertSequence(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration ${migration.name} has version ${migration.version}, expected ${index + 1}`)
    }
  })
}
