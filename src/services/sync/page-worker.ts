import {parentPort, workerData} from 'node:worker_threads'

import {YmsError} from '../../core/errors.js'
import {openDatabase} from '../../store/db.js'
import type {ApplyCounts} from './apply.js'
import type {ApplyScope} from './scope.js'
import {commitPage, type PageCommit, type RunRef} from './commit-page.js'

export interface WorkerInit {
  dbFile: string
  scope: Omit<ApplyScope, 'customers'> & {customers?: undefined}
  run: RunRef
}

/** A page to commit, with the caller's clock as its offset from this machine's (a function cannot cross threads). */
export interface WorkerPage {
  commit: PageCommit
  clockSkewMs: number
}

export type WorkerReply =
  | {kind: 'ready'}
  | {kind: 'done'; counts: ApplyCounts}
  | {kind: 'error'; message: string; name: string; code?: string; exitCode?: number; hint?: string}

// The page writer thread (see page-writer.ts): one connection, one page at a time, in the order received.
if (parentPort) {
  const port = parentPort
  const init = workerData as WorkerInit
  // The caller's clock (an injected one in tests and the demo), as the webhooks' commit worker keeps it.
  let skew = 0
  const db = openDatabase(init.dbFile, {clock: () => Date.now() + skew})
  const scope: ApplyScope = {...init.scope, customers: new Map()}
  // Pages queue up here (see run-provider.ts, writesInFlight): after a failure none of the later ones may commit, or the cursor
  // would move past the page that failed.
  let failure: WorkerReply | null = null
  port.on('message', (message: WorkerPage | 'close') => {
    if (message === 'close') {
      db.close()
      port.close()
      return
    }
    if (failure) {
      port.postMessage(failure)
      return
    }
    try {
      skew = message.clockSkewMs
      port.postMessage({kind: 'done', counts: commitPage(db, scope, init.run, message.commit)} satisfies WorkerReply)
    } catch (error) {
      const e = error as Error & {code?: string}
      const reply: WorkerReply = {
        kind: 'error',
        message: e.message,
        name: e.name,
        code: typeof e.code === 'string' ? e.code : undefined,
      }
      if (error instanceof YmsError) Object.assign(reply, {exitCode: error.exitCode, hint: error.hint})
      failure = reply
      port.postMessage(reply)
    }
  })
  port.postMessage({kind: 'ready'} satisfies WorkerReply)
}
