import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {acquireLease, type Lease, releaseLease} from '../../store/repos/leases.js'
import {leaseOwner, ownerIsDead} from '../lease-owner.js'

/**
 * One retry run at a time, across cron's `retry run` and every `sync --watch`: the lease `retry:run`. Within the
 * lease holder, an attempt still marked `sending` can only be left by a process that died while sending, so it is
 * asked about before anything else is sent for its payment. The lease is renewed before each chain, and a holder on
 * this host whose process is gone (SIGKILL, a reboot) is taken over at once rather than after its lease expires.
 * The owner format and the dead-owner test are the sync's and the alerts' (services/lease-owner.ts). On PostgreSQL
 * every host races for the same row (repos/leases.ts's conditional upsert), so one run holds it across hosts too.
 */
const RETRY_LEASE = 'retry:run'
const TTL_MS = 2 * 60_000

interface RetryLease {
  owner: string
  /** Extends the lease; false if another process took it (the run must stop). */
  renew(): Promise<boolean>
  release(): Promise<void>
}

export async function takeRetryLease(
  ledger: LedgerHandle,
): Promise<{lease: RetryLease} | {heldBy: string; until: string}> {
  const owner = leaseOwner('retry')
  let got: {acquired: boolean; lease: Lease} = await ledger.write(() => acquireLease.ops(RETRY_LEASE, owner, TTL_MS))
  if (!got.acquired && ownerIsDead(got.lease.owner)) {
    const held = got.lease
    got = await ledger.write(() =>
      (function* () {
        return (yield* releaseLease.ops(RETRY_LEASE, held.owner))
          ? yield* acquireLease.ops(RETRY_LEASE, owner, TTL_MS)
          : {acquired: false, lease: held}
      })(),
    )
  }
  if (!got.acquired) return {heldBy: got.lease.owner, until: got.lease.expiresAt}
  return {
    lease: {
      owner,
      renew: async () => (await ledger.write(() => acquireLease.ops(RETRY_LEASE, owner, TTL_MS))).acquired,
      release: async () => void (await ledger.write(() => releaseLease.ops(RETRY_LEASE, owner))),
    },
  }
}
