import {randomUUID} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {hostname} from 'node:os'

import type {Db} from '../../store/db.js'
import {acquireLease, releaseLease} from '../../store/repos/leases.js'

/**
 * One retry run at a time, across cron's `retry run` and every `sync --watch`: the lease `retry:run`. Within the
 * lease holder, an attempt still marked `sending` can only be left by a process that died while sending, so it is
 * asked about before anything else is sent for its payment. The lease is renewed before each chain, and a holder on
 * this host whose process is gone (SIGKILL, a reboot) is taken over at once rather than after its lease expires.
 * The owner format and the dead-owner test follow the sync's (services/sync/run-provider.ts).
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
  const owner = `retry@${hostname()}#${process.pid}#${processStart(process.pid)}#${randomUUID().slice(0, 8)}`
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

function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''
  } catch {
    return ''
  }
}

function ownerIsDead(owner: string): boolean {
  const m = /^[a-z]+@(.+)#(\d+)#(\d*)#/.exec(owner)
  if (!m || m[1] !== hostname()) return false
  const pid = Number(m[2])
  const started = m[3] ?? ''
  const current = processStart(pid)
  if (started !== '' && current !== '' && current !== started) return true
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
