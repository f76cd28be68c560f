import type {Db} from '../../store/db.js'
import {acquireLease, releaseLease} from '../../store/repos/leases.js'
import {leaseOwner, ownerIsDead} from '../lease-owner.js'

/**
 * One retry run at a time, across cron's `retry run` and every `sync --watch`: the lease `retry:run`. Within the
 * lease holder, an attempt still marked `sending` can only be left by a process that died while sending, so it is
 * asked about before anything else is sent for its payment. The lease is renewed before each chain, and a holder on
 * this host whose process is gone (SIGKILL, a reboot) is taken over at once rather than after its lease expires.
 * The owner format and the dead-owner test are the sync's and the alerts' (services/lease-owner.ts).
 */
const RETRY_LEASE = 'retry:run'
const TTL_MS = 2 * 60_000

interface RetryLease {
  owner: string
  /** Extends the lease; false if another process took it (the run must stop). */
  renew(): boolean
  release(): void
}

export function takeRetryLease(db: Db): {lease: RetryLease} | {heldBy: string; until: string} {
  const owner = leaseOwner('retry')
  let got = acquireLease(db, RETRY_LEASE, owner, TTL_MS)
  if (!got.acquired && ownerIsDead(got.lease.owner)) {
    const dead = got.lease.owner
    got = db.write(() =>
      releaseLease(db, RETRY_LEASE, dead)
        ? acquireLease(db, RETRY_LEASE, owner, TTL_MS)
        : {acquired: false, lease: got.lease},
    )
  }
  if (!got.acquired) return {heldBy: got.lease.owner, until: got.lease.expiresAt}
  return {
    lease: {
      owner,
      renew: () => acquireLease(db, RETRY_LEASE, owner, TTL_MS).acquired,
      release: () => void releaseLease(db, RETRY_LEASE, owner),
    },
  }
}
