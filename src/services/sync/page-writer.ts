import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'

import type {Db} from '../../store/db.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import type {ApplyCounts} from './apply.js'
import type {ApplyScope} from './scope.js'
import {commitPage, commitPages, type PageCommit, type RunRef} from './commit-page.js'
import type {WorkerInit, WorkerPage, WorkerReply} from './page-worker.js'

/**
 * Commits pages in the order given; `write` resolves once the page is durable. Several writes may be outstanding:
 * once one fails, every later one fails too without committing, so the cursor never passes a page that failed.
 */
export interface PageWriter {
  write(commit: PageCommit): Promise<ApplyCounts>
  close(): Promise<void>
}

/** On the calling thread: for YMS_PAY_SYNC_WORKER=0 and for tests of the commit itself. */
export function inProcessWriter(db: Db, scope: ApplyScope, run: RunRef): PageWriter {
  let failed: Error | null = null
  return {
    write: async (commit) => {
      if (failed) throw failed
      try {
        return commitPage(db, scope, run, commit)
      } catch (error) {
        failed = error as Error
        throw error
      }
    },
    close: async () => undefined,
  }
}

/** The most pages one commit through a handle takes together (handleWriter). */
export const PAGES_PER_COMMIT = 8

/**
 * Through a ledger handle (PostgreSQL, which has no writer thread: the server is the other process): pages commit in
 * the order given while the caller fetches and parses the next. The pages that queued up while a commit ran go
 * together in the next, up to PAGES_PER_COMMIT (commitPages): a commit's fixed cost on PostgreSQL is its round trips,
 * the lease, the reads ahead and the audit head, each paid once for them all (docs/postgres.md, "Pages that queued up
 * commit together"). A page that finds the writer idle commits alone, so nothing waits for company. A crash repeats
 * the pages of the commit it interrupted. A failed commit refuses every later page, as the other writers do.
 */
export function handleWriter(ledger: LedgerHandle, scope: ApplyScope, run: RunRef): PageWriter {
  let failed: Error | null = null
  const queued: Array<{commit: PageCommit; resolve: (c: ApplyCounts) => void; reject: (e: Error) => void}> = []
  // Set and cleared inside drain, synchronously: a drain that finds the writer failed ends without waiting, and a
  // page written while one runs is taken by its loop.
  let draining = false
  let drained: Promise<void> = Promise.resolve()
  const drain = async () => {
    draining = true
    try {
      while (queued.length > 0) {
        const batch = queued.splice(0, PAGES_PER_COMMIT)
        try {
          if (failed) throw failed
          const commits = batch.map((b) => b.commit)
          // A function: a commit the server broke a deadlock with is made again from its start.
          const counts = await ledger.write(() => commitPages.ops(scope, run, commits))
          batch.forEach((b, i) => b.resolve(counts[i]!))
        } catch (error) {
          failed ??= error as Error
          for (const b of batch) b.reject(failed)
        }
      }
    } finally {
      draining = false
    }
  }
  return {
    write: (commit) =>
      new Promise((resolve, reject) => {
        queued.push({commit, resolve, reject})
        if (!draining) drained = drain()
      }),
    close: async () => {
      while (draining) await drained
    },
  }
}

/** YMS_PAY_SYNC_WORKER=0 commits on the calling thread instead (a constrained host, or to rule the thread out). */
export function workerAvailable(env: NodeJS.ProcessEnv): boolean {
  return env.YMS_PAY_SYNC_WORKER !== '0'
}

/**
 * Built, the worker is the compiled page-worker.js beside this file. Run from the TypeScript sources (the tests),
 * it is page-worker.ts loaded through tsx (a dev dependency), so the tests exercise the same thread production uses.
 */
function startWorker(init: WorkerInit): Worker {
  const here = import.meta.url
  if (!here.endsWith('.ts')) return new Worker(fileURLToPath(new URL('./page-worker.js', here)), {workerData: init})
  const source = JSON.stringify(new URL('./page-worker.ts', here).href)
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${source}) })`, {
    eval: true,
    workerData: init,
  })
}

/**
 * On a worker thread with its own connection to the same file: better-sqlite3 blocks its thread for the whole
 * commit, so on the main thread the next page could not be read off the socket, parsed and translated meanwhile.
 * Pages commit strictly one after another, in the order sent; the worker refuses every page after a failed one.
 */
export async function workerWriter(
  dbFile: string,
  scope: ApplyScope,
  run: RunRef,
  /** The caller's clock, which the writer's connection keeps (epoch ms). */
  now: () => number,
): Promise<PageWriter> {
  const init: WorkerInit = {dbFile, scope: {...scope, customers: undefined}, run}
  const worker = startWorker(init)
  // Replies come back in the order the pages were sent.
  const waiting: Array<{resolve: (c: ApplyCounts) => void; reject: (e: Error) => void}> = []
  let failed: Error | null = null
  const fail = (error: Error) => {
    failed = error
    for (const w of waiting.splice(0)) w.reject(error)
  }
  worker.on('message', (reply: WorkerReply) => {
    if (reply.kind === 'ready') return
    const w = waiting.shift()
    if (reply.kind === 'done') w?.resolve(reply.counts)
    else
      w?.reject(
        Object.assign(new Error(reply.message), {
          code: reply.code,
          exitCode: reply.exitCode,
          hint: reply.hint,
          name: reply.name,
        }),
      )
  })
  worker.on('error', fail)
  worker.on('exit', (code) => {
    if (code !== 0 && !failed) fail(new Error(`the sync page writer stopped unexpectedly (exit ${code})`))
  })
  return {
    write(commit) {
      if (failed) return Promise.reject(failed)
      return new Promise((resolve, reject) => {
        waiting.push({resolve, reject})
        worker.postMessage({commit, clockSkewMs: now() - Date.now()} satisfies WorkerPage)
      })
    },
    async close() {
      worker.postMessage('close')
      await new Promise<void>((resolve) => {
        if (failed) return resolve()
        worker.once('exit', () => resolve())
      })
    },
  }
}
