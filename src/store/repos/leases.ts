import type {Db} from '../db.js'

export interface Lease {
  name: string
  owner: string
  acquiredAt: string
  expiresAt: string
}

/**
 * Takes the named lease (a provider id for sync, or a job name) for ttlMs unless another owner holds an
 * unexpired one. Re-acquiring one's own lease extends it. Runs under the write lock, so two processes racing
 * for the same lease cannot both win. Returns the holder: compare its owner with yours.
 */
export function acquireLease(db: Db, name: string, owner: string, ttlMs: number): {acquired: boolean; lease: Lease} {
  return db.write(() => {
    const now = db.now()
    const held = getLease(db, name)
    if (held !== null && held.owner !== owner && held.expiresAt > now) return {acquired: false, lease: held}
    const expiresAt = new Date(Date.parse(now) + ttlMs).toISOString()
    const acquiredAt = held !== null && held.owner === owner ? held.acquiredAt : now
    db.stmt(
      `INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES (@name, @owner, @acquiredAt, @expiresAt)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at,
       expires_at = excluded.expires_at`,
    ).run({name, owner, acquiredAt, expiresAt})
    return {acquired: true, lease: {name, owner, acquiredAt, expiresAt}}
  })
}

/** Releases the lease if (and only if) `owner` still holds it. */
export function releaseLease(db: Db, name: string, owner: string): boolean {
  return db.write(() => db.stmt('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, owner).changes > 0)
}

export function getLease(db: Db, name: string): Lease | null {
  const row = db.stmt('SELECT name, owner, acquired_at, expires_at FROM leases WHERE name = ?').get(name) as
    {name: string; owner: string; acquired_at: string; expires_at: string} | undefined
  return row === undefined
    ? null
    : {name: row.name, owner: row.owner, acquiredAt: row.acquired_at, expiresAt: row.expires_at}
}
