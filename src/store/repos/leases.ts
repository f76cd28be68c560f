import {ExitCode, YmsError} from '../../core/errors.js'
import {dual} from '../ops/dual.js'
import {get, now, run, write} from '../ops/op.js'

export interface Lease {
  name: string
  owner: string
  acquiredAt: string
  expiresAt: string
}

interface LeaseRow {
  name: string
  owner: string
  acquired_at: string
  expires_at: string
}

/**
 * Takes the named lease (a provider id for sync, or a job name) for ttlMs unless another owner holds an
 * unexpired one. Re-acquiring one's own lease extends it. Returns the holder: compare its owner with yours.
 *
 * One conditional upsert decides, not a read and then a write: SQLite runs it under its one writer lock, and
 * PostgreSQL's `ON CONFLICT DO UPDATE … WHERE` locks the existing row and tests the condition on its latest
 * committed version, so two hosts racing for an expired (or missing) lease cannot both win, whatever their
 * transactions' isolation.
 */
export const acquireLease = dual(function* acquireLease(name: string, owner: string, ttlMs: number) {
  return yield* write(
    (function* () {
      const at = yield* now()
      const expiresAt = new Date(Date.parse(at) + ttlMs).toISOString()
      const taken = yield* get<LeaseRow>(
        `INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES (@name, @owner, @at, @expiresAt)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
           acquired_at = CASE WHEN leases.owner = excluded.owner THEN leases.acquired_at ELSE excluded.acquired_at END
         WHERE leases.owner = excluded.owner OR leases.expires_at <= @at
         RETURNING name, owner, acquired_at, expires_at`,
        {name, owner, at, expiresAt},
      )
      if (taken !== undefined) return {acquired: true, lease: toLease(taken)}
      const held = yield* getLease.ops(name)
      if (held === null) throw new Error(`lease ${name} was refused but has no holder`)
      return {acquired: false, lease: held}
    })(),
  )
})

/**
 * Another owner holds the lease a transaction was to renew: this one's expired and was taken over (a host that
 * stalled past its TTL). Exit 75, as a run refused the lease at its start: the holder goes on with the work.
 */
export class LeaseHeldError extends YmsError {
  constructor(
    readonly lease: Lease,
    heldSince?: string,
  ) {
    const message =
      heldSince === undefined
        ? `the lease ${lease.name} is held by ${lease.owner} until ${lease.expiresAt}`
        : `the lease ${lease.name} held since ${heldSince} lapsed, and was not held throughout`
    super(message, {
      exitCode: ExitCode.locked,
      code: 'lease_held',
      hint: 'Another process took the work over after this one held it too long; nothing more was written here.',
    })
  }
}

/**
 * Renews `owner`'s lease inside the caller's transaction, or throws LeaseHeldError so that the transaction writes
 * nothing: for work that must commit only while its lease holds (a sync page). Taken first in the transaction, the
 * lease row stays locked to the commit on PostgreSQL, so no other host can take it over in between.
 *
 * heldSince: the acquiredAt of the lease the work began under. Given, a lease that lapsed and was taken by another
 * owner and then released (or released by a takeover of this owner as dead) is not renewed but refused too: owning
 * it again is not holding it throughout, and another host may have done the work meanwhile.
 */
export const renewLease = dual(function* renewLease(name: string, owner: string, ttlMs: number, heldSince?: string) {
  const got = yield* acquireLease.ops(name, owner, ttlMs)
  if (!got.acquired) throw new LeaseHeldError(got.lease)
  if (heldSince !== undefined && got.lease.acquiredAt !== heldSince) throw new LeaseHeldError(got.lease, heldSince)
  return got.lease
})

/** Releases the lease if (and only if) `owner` still holds it. */
export const releaseLease = dual(function* releaseLease(name: string, owner: string) {
  return (yield* write(run('DELETE FROM leases WHERE name = ? AND owner = ?', [name, owner]))).changes > 0
})

export const getLease = dual(function* getLease(name: string) {
  const row = yield* get<LeaseRow>('SELECT name, owner, acquired_at, expires_at FROM leases WHERE name = ?', [name])
  return row === undefined ? null : toLease(row)
})

function toLease(row: LeaseRow): Lease {
  return {name: row.name, owner: row.owner, acquiredAt: row.acquired_at, expiresAt: row.expires_at}
}
