import {parentPort, workerData} from 'node:worker_threads'

import type {GatewayCall} from '../../core/gateway-call.js'
import {openDatabase} from '../../store/db.js'
import type {PreparedDelivery} from './apply-delivery.js'
import {commitGroup, type Settled} from './commit-group.js'

export interface CommitWorkerInit {
  dbFile: string
  actor: string
}

export type CommitRequest =
  | {
      group: PreparedDelivery[]
      calls: GatewayCall[]
      /** The server's clock minus this thread's: 0 in production, where both are the system clock (tests move theirs). */
      clockSkewMs: number
    }
  | 'close'

/**
 * The webhook writer thread (worker-committer.ts): its own connection, one group at a time. better-sqlite3 blocks
 * its thread for a whole commit (the fsync included); here that leaves the server's thread free to read, verify
 * and queue the next group meanwhile.
 */
if (parentPort) {
  const port = parentPort
  const init = workerData as CommitWorkerInit
  let skew = 0
  const now = (): number => Date.now() + skew
  const db = openDatabase(init.dbFile, {clock: now})
  port.on('message', (message: CommitRequest) => {
    if (message === 'close') {
      db.close()
      port.close()
      return
    }
    skew = message.clockSkewMs
    // Buffers arrive as Uint8Arrays: give better-sqlite3 back the BLOBs it binds, as views (a copy was a body per event).
    const group = message.group.map((d) => ({
      ...d,
      body: Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength),
    }))
    const settled: Settled[] = commitGroup(db, group, {actor: init.actor, calls: message.calls, now})
    port.postMessage(settled)
  })
  port.postMessage('ready')
}
