import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'

/**
 * Another process writing the ledger as fast as it commits: balanced two-line postings (an invoice-style document
 * per commit), so any consistent snapshot of the file has every posting set summing to zero. Stops when told.
 */
export interface LedgerWriter {
  /** Resolves once the writer has committed its first document. */
  started: Promise<void>
  stop(): Promise<void>
}

export function startLedgerWriter(dbFile: string): LedgerWriter {
  const stopFile = `${dbFile}.stop-writer`
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import Database from 'better-sqlite3'
       import {existsSync} from 'node:fs'
       const db = new Database(${JSON.stringify(dbFile)}, {timeout: 15000})
       db.pragma('journal_mode = WAL')
       const post = db.prepare(\`INSERT INTO ledger_postings (txn_id, version, account, amount_minor, currency, posted_at)
         VALUES (?, 1, ?, ?, 'EUR', '2026-01-01T00:00:00.000Z')\`)
       const commit = db.transaction((i) => {
         post.run('invoice:writer-' + i, 'customer:writer', 100 + i)
         post.run('invoice:writer-' + i, 'revenue:writer', -(100 + i))
       })
       for (let i = 1; !existsSync(${JSON.stringify(stopFile)}); i++) {
         commit.immediate(i)
         if (i === 1) process.stdout.write('started\\n')
       }
       db.close()`,
    ],
    {cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit']},
  )
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`ledger writer exited early (${code})`)))
  })
  return {
    started,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        if (!existsSync(stopFile)) writeFileSync(stopFile, '')
      }),
  }
}
