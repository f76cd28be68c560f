import {randomUUID} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {hostname} from 'node:os'

/**
 * Who holds a lease (store/repos/leases.ts), written so that a later process on the same host can tell a crashed
 * (killed) holder is gone: `<role>@<host>#<pid>#<process start>#<nonce>`. The start time tells a reused pid apart (in
 * a container every run may be PID 1). Used by sync runs (`sync@…`), alert delivery (`alerts@…`)
 * and retry runs (`retry@…`).
 */
export function leaseOwner(role: string): string {
  return `${role}@${hostname()}#${process.pid}#${processStart(process.pid)}#${randomUUID().slice(0, 8)}`
}

/**
 * A holder killed by SIGKILL or a reboot cannot release its lease; waiting out the TTL would stall the next run. A
 * holder on this host whose process no longer exists is dead: its lease may be taken over.
 */
export function ownerIsDead(owner: string): boolean {
  const m = /^[\w-]+@(.+)#(\d+)#(\d*)#/.exec(owner)
  if (!m || m[1] !== hostname()) return false
  const pid = Number(m[2])
  const started = m[3] ?? ''
  const current = processStart(pid)
  // Same pid, different start: the pid was reused by another process (or this one) since the holder died.
  if (started !== '' && current !== '' && current !== started) return true
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Clock ticks since boot at which a process started (Linux /proc), or '' where that cannot be read. */
function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22, counted after the command name, which is in parentheses and may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''
  } catch {
    return ''
  }
}
