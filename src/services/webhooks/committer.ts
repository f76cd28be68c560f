import type {GatewayCall} from '../../core/gateway-call.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {type Delivery, type DeliveryOutcome, prepareDelivery, type PreparedDelivery} from './apply-delivery.js'
import {commitGroup, failedAll, type Settled} from './commit-group.js'

/**
 * Group commit: deliveries verified while the previous group was being committed share the next immediate
 * transaction, so one fsync makes a whole group durable and the commit rate is not the ceiling. A delivery's promise
 * settles only once its transaction has committed: the server answers 2xx after that, never before.
 */
export interface Committer {
  submit(delivery: Delivery): Promise<DeliveryOutcome>
  /** Resolves once everything submitted so far has committed (or failed). */
  drain(): Promise<void>
  inFlight(): number
  close(): Promise<void>
}

export interface CommitterOptions {
  actor: string
  /** Gateway calls made since the last group (verification APIs), recorded with the next one. */
  takeCalls?: () => GatewayCall[]
  /** After each group commits: what it wrote (e.g. to wake the fetcher). */
  onCommitted?: (outcomes: readonly DeliveryOutcome[]) => void
  /** Largest group; what arrives beyond it waits for the next transaction. */
  maxGroup?: number
  now?: () => number
}

const DEFAULT_MAX_GROUP = 512

interface Waiting {
  delivery: PreparedDelivery
  resolve: (outcome: DeliveryOutcome) => void
  reject: (error: Error) => void
}

/**
 * The queue both committers share: `write` commits one group (on this thread or another) and resolves when it is
 * durable. One group is written at a time; what arrives meanwhile forms the next.
 */
export function groupingCommitter(
  write: (group: PreparedDelivery[], calls: GatewayCall[]) => Promise<Settled[]>,
  opts: CommitterOptions & {close?: () => Promise<void>},
): Committer {
  const maxGroup = opts.maxGroup ?? DEFAULT_MAX_GROUP
  let queue: Waiting[] = []
  let writing = false
  let scheduled = false
  const idle: Array<() => void> = []

  const next = async (): Promise<void> => {
    scheduled = false
    if (writing || queue.length === 0) return
    writing = true
    const group = queue.slice(0, maxGroup)
    queue = queue.slice(group.length)
    const settled = await write(
      group.map((w) => w.delivery),
      opts.takeCalls?.() ?? [],
    )
    writing = false
    for (const [i, w] of group.entries()) {
      const s = settled[i]!
      if (s.ok) w.resolve(s.outcome)
      else w.reject(new Error(s.error.message))
    }
    opts.onCommitted?.(settled.flatMap((s) => (s.ok ? [s.outcome] : [])))
    if (queue.length > 0) schedule()
    else for (const done of idle.splice(0)) done()
  }
  // setImmediate: every request whose body and verification finished in this turn of the event loop joins.
  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    setImmediate(() => void next())
  }

  return {
    submit(delivery) {
      return new Promise<DeliveryOutcome>((resolve, reject) => {
        queue.push({delivery: prepareDelivery(delivery), resolve, reject})
        schedule()
      })
    },
    drain() {
      if (queue.length === 0 && !writing) return Promise.resolve()
      return new Promise<void>((resolve) => idle.push(resolve))
    },
    inFlight: () => queue.length + (writing ? 1 : 0),
    close: async () => opts.close?.(),
  }
}

/**
 * Commits on the calling thread, through the ledger's handle: PostgreSQL's committer (the server has no writer
 * thread of its own there: the database is the other process), and SQLite's with YMS_PAY_SYNC_WORKER=0 and in tests
 * of the commit itself, where the group's transaction is the Db's own as on the writer thread. One group at a time
 * (groupingCommitter), so groups commit in order while the next is being received and verified.
 */
export function createCommitter(ledger: LedgerHandle, opts: CommitterOptions): Committer {
  const {db} = ledger
  return groupingCommitter(async (group, calls) => {
    const commit = {actor: opts.actor, calls, now: opts.now}
    if (db) return commitGroup(db, group, commit)
    // A COMMIT the server refused fails the whole group, as a failed transaction does on SQLite (commitGroup); a
    // deadlock or serialization failure runs the group again first, a few times (ledger-handle.ts).
    return ledger.write(() => commitGroup.ops(group, commit)).catch((error: unknown) => failedAll(group, error))
  }, opts)
}
