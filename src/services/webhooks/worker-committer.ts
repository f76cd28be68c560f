import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'

import type {Settled} from './commit-group.js'
import type {CommitRequest, CommitWorkerInit} from './commit-worker.js'
import {type Committer, type CommitterOptions, groupingCommitter} from './committer.js'

/**
 * Group commit on a writer thread with its own connection to the ledger (commit-worker.ts), as the sync's page
 * writer does: while one group is being written and fsynced there, this thread reads, verifies and queues the next.
 */
export async function workerCommitter(dbFile: string, opts: CommitterOptions): Promise<Committer> {
  const worker = startWorker({dbFile, actor: opts.actor})
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve())
    worker.once('error', reject)
  })
  let pending: {resolve: (s: Settled[]) => void; reject: (e: Error) => void} | null = null
  let failed: Error | null = null
  worker.on('message', (settled: Settled[]) => {
    const p = pending
    pending = null
    p?.resolve(settled)
  })
  const fail = (error: Error): void => {
    failed = error
    pending?.reject(error)
    pending = null
  }
  worker.on('error', fail)
  worker.on('exit', (code) => {
    if (code !== 0) fail(new Error(`the webhook writer stopped unexpectedly (exit ${code})`))
  })
  const write = (group: CommitRequest & object): Promise<Settled[]> => {
    if (failed) return Promise.resolve(group.group.map(() => ({ok: false, error: {message: failed!.message}})))
    return new Promise<Settled[]>((resolve, reject) => {
      pending = {resolve, reject}
      worker.postMessage(group)
    }).catch((error: Error) => group.group.map(() => ({ok: false as const, error: {message: error.message}})))
  }
  const now = opts.now ?? Date.now
  return groupingCommitter((group, calls) => write({group, calls, clockSkewMs: now() - Date.now()}), {
    ...opts,
    close: async () => {
      worker.postMessage('close' satisfies CommitRequest)
      await new Promise<void>((resolve) => {
        if (failed) return resolve()
        worker.once('exit', () => resolve())
      })
    },
  })
}

/**
 * Built, the worker is the compiled commit-worker.js beside this file; run from the TypeScript sources (the tests),
 * commit-worker.ts through tsx, as the sync's page writer does (sync/page-writer.ts).
 */
function startWorker(init: CommitWorkerInit): Worker {
  const here = import.meta.url
  if (!here.endsWith('.ts')) return new Worker(fileURLToPath(new URL('./commit-worker.js', here)), {workerData: init})
  const source = JSON.stringify(new URL('./commit-worker.ts', here).href)
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${source}) })`, {
    eval: true,
    workerData: init,
  })
}
