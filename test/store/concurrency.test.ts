import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterEach, describe, expect, it} from 'vitest'

import {verifyAudit} from '../../src/services/audit.js'
import {openDatabase} from '../../src/store/db.js'
import {tempDir} from './helpers.js'

const WRITER = fileURLToPath(new URL('./fixtures/audit-writer.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const COUNT = 120

interface WriterReport {
  ok: number
  busy: number
  other: string[]
  startedAt: number
  finishedAt: number
}

function runWriter(
  file: string,
  mode: 'immediate' | 'deferred',
  startAt: number,
  label: string,
): Promise<WriterReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WRITER, file, mode, String(COUNT), String(startAt), label],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`writer ${label} exited ${code}: ${err}`))
      else resolve(JSON.parse(out.trim()) as WriterReport)
    })
  })
}

/** Two processes on one fresh file (they also race through the migrations on open). */
async function race(mode: 'immediate' | 'deferred'): Promise<{reports: WriterReport[]; file: string}> {
  const {dir, cleanup} = tempDir()
  cleanups.push(cleanup)
  const file = join(dir, 'ledger.db')
  const startAt = Date.now() + 2500 // after both children have loaded tsx and opened the file
  const reports = await Promise.all([runWriter(file, mode, startAt, 'A'), runWriter(file, mode, startAt, 'B')])
  const [a, b] = reports as [WriterReport, WriterReport]
  // the loops really ran at the same time, or the test proves nothing
  expect(Math.max(a.startedAt, b.startedAt)).toBeLessThan(Math.min(a.finishedAt, b.finishedAt))
  return {reports, file}
}

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

describe('two processes writing one database', () => {
  it('immediate transactions (Db.write): every write lands, no SQLITE_BUSY, the audit chain stays intact', async () => {
    const {reports, file} = await race('immediate')
    for (const r of reports) expect(r).toMatchObject({ok: COUNT, busy: 0, other: []})
    const db = openDatabase(file)
    try {
      expect(db.raw.prepare('SELECT actor, count(*) AS n FROM audit_log GROUP BY actor ORDER BY actor').all()).toEqual([
        {actor: 'A', n: COUNT},
        {actor: 'B', n: COUNT},
      ])
      expect(verifyAudit(db)).toEqual({ok: true, rows: 2 * COUNT})
    } finally {
      db.close()
    }
  })

  it('the same read-then-write in DEFERRED transactions fails with SQLITE_BUSY despite the busy timeout', async () => {
    const {reports, file} = await race('deferred')
    const busy = reports.reduce((sum, r) => sum + r.busy, 0)
    const ok = reports.reduce((sum, r) => sum + r.ok, 0)
    expect(reports.flatMap((r) => r.other)).toEqual([])
    expect(busy).toBeGreaterThan(0)
    expect(ok + busy).toBe(2 * COUNT)
    const db = openDatabase(file)
    try {
      // the failed transactions rolled back whole: the rows that exist still chain
      expect(verifyAudit(db)).toEqual({ok: true, rows: ok})
    } finally {
      db.close()
    }
  })
})
