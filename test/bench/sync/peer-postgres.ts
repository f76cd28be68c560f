import {readdirSync, readFileSync} from 'node:fs'

import {startCluster, type Cluster} from '../../helpers/postgres-cluster.js'

/**
 * The PostgreSQL the peer (and yms-pay's `yms-pg`) writes into: one durable cluster per bench run (fsync, synchronous_commit and
 * full_page_writes on, as PostgreSQL ships: yms-pay's SQLite commits with synchronous=FULL), a fresh database per
 * repetition, dropped after it.
 */
export interface PeerPostgres {
  /** Creates the database and returns its URL. */
  fresh(name: string): Promise<string>
  /** Creates the database and returns its URL without the password, which comes apart (yms-pay refuses one in a URL). */
  freshApart(name: string): Promise<{url: string; password: string}>
  drop(name: string): Promise<void>
  /** CPU seconds the server has used so far: the postmaster, its exited backends, and its live children. */
  cpuSeconds(): number
  stop(): Promise<void>
}

export async function startPeerPostgres(): Promise<PeerPostgres> {
  const cluster: Cluster = await startCluster({durable: true})
  // The engine's migration 0012 makes a function `owner to postgres` (Supabase's superuser): the role must exist.
  await cluster.admin('CREATE ROLE postgres')
  return {
    async fresh(name) {
      await cluster.admin(`CREATE DATABASE ${name}`)
      const c = cluster.connection(name)
      return `postgres://${c.user}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${name}`
    },
    async freshApart(name) {
      await cluster.admin(`CREATE DATABASE ${name}`)
      const c = cluster.connection(name)
      return {url: `postgres://${c.user}@${c.host}:${c.port}/${name}`, password: c.password}
    },
    drop: (name) => cluster.admin(`DROP DATABASE ${name} WITH (FORCE)`),
    cpuSeconds: () => treeCpuSeconds(cluster.pid()),
    stop: () => cluster.stop(),
  }
}

/** Linux /proc: a process's user + system time, its reaped children's, and its live children's (NaN elsewhere). */
function treeCpuSeconds(pid: number): number {
  const fields = (p: number | string) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  }
  try {
    const own = fields(pid)
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const f = fields(entry)
        if (Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12])
      } catch {
        // The process ended while listing: its time is now in the postmaster's reaped-children counters.
      }
    }
    return ticks / 100
  } catch {
    return Number.NaN
  }
}
