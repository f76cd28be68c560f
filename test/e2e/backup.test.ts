import {copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {openDatabase} from '../../src/store/db.js'
import {runCli, tempHome} from '../helpers/cli.js'
import {startLedgerWriter} from '../helpers/ledger-writer.js'
import {
  createSyncWorld,
  manualClock,
  snapshot,
  unbalancedPostingSets,
  WORLD_END,
  worldScenario,
  type SyncWorld,
} from '../helpers/sync-world.js'

const BackupJson = z.strictObject({
  file: z.string(),
  bytes: z.number().int().positive(),
  pages: z.number().int().positive(),
  durationMs: z.number().int().nonnegative(),
})

/** What a copy must be: intact, one self-contained file, every posting set balanced, balances equal to postings. */
function inspectCopy(file: string) {
  const raw = new Database(file, {readonly: true})
  try {
    return {
      integrity: raw.pragma('integrity_check', {simple: true}),
      journal: raw.pragma('journal_mode', {simple: true}),
      writerPostings: raw
        .prepare("SELECT count(*) FROM ledger_postings WHERE txn_id LIKE 'invoice:writer-%'")
        .pluck()
        .get() as number,
      driftingBalances: raw
        .prepare(
          `SELECT b.account, b.currency, b.site FROM ledger_balances b
           LEFT JOIN (SELECT account, currency, COALESCE(site, '') AS site, SUM(amount_minor) AS minor FROM ledger_postings GROUP BY 1, 2, 3) p
             USING (account, currency, site)
           WHERE b.minor != COALESCE(p.minor, 0)`,
        )
        .all(),
    }
  } finally {
    raw.close()
  }
}

describe('yms-pay backup (built binary)', () => {
  let world: SyncWorld
  const out = tempHome('yms-backups-')
  beforeAll(async () => {
    world = await createSyncWorld({scenario: worldScenario(400, 5), clock: manualClock(WORLD_END)})
    const r = await runCli(['sync', '--json'], {home: world.home, env: world.env})
    expect(r.code, r.stdout + r.stderr).toBe(0)
  })
  afterAll(async () => {
    await world?.close()
    rmSync(out, {recursive: true, force: true})
  })

  it('writes a checked, self-contained copy that opens with the same ledger and balances', async () => {
    const target = join(out, 'first.db')
    const r = await runCli(['backup', target, '--json'], {home: world.home})
    expect(r.code, r.stderr).toBe(0)
    const result = BackupJson.parse(JSON.parse(r.stdout))
    expect(result.file).toBe(target)
    expect(result.bytes).toBe(readFileSync(target).length)
    expect(inspectCopy(target)).toMatchObject({integrity: 'ok', journal: 'delete', driftingBalances: []})

    const source = world.open()
    const copy = openDatabase(target, {readonly: true})
    try {
      expect(snapshot(copy)).toEqual(snapshot(source))
    } finally {
      copy.close()
      source.close()
    }

    // Restored as an admin would (copied to ledger.db of a home), it reports the same balances.
    const restored = join(out, 'restored')
    mkdirSync(restored)
    copyFileSync(target, join(restored, 'ledger.db'))
    const status = async (home: string) => {
      const s = JSON.parse((await runCli(['status', '--json'], {home})).stdout) as {sites: unknown[]}
      return s.sites
    }
    expect(await status(restored)).toEqual(await status(world.home))
  })

  it('is a consistent snapshot while another process keeps writing', async () => {
    const writer = startLedgerWriter(world.dbFile)
    try {
      await writer.started
      const documents = () => inspectCopy(world.dbFile).writerPostings
      const before = documents()
      const target = join(out, 'during-writes.db')
      const r = await runCli(['backup', target, '--json'], {home: world.home})
      expect(r.code, r.stderr).toBe(0)
      expect(documents()).toBeGreaterThan(before) // the writer was busy throughout
      const copy = inspectCopy(target)
      expect(copy).toMatchObject({integrity: 'ok', driftingBalances: []})
      expect(copy.writerPostings % 2).toBe(0) // two lines per commit: none torn in half
      expect(copy.writerPostings).toBeGreaterThan(0)
      const db = openDatabase(target, {readonly: true})
      try {
        expect(unbalancedPostingSets(db)).toEqual([])
      } finally {
        db.close()
      }
    } finally {
      await writer.stop()
    }
    // Once the writer has stopped, a backup holds exactly what the ledger holds.
    const target = join(out, 'after-writes.db')
    expect((await runCli(['backup', target], {home: world.home})).code).toBe(0)
    const source = world.open()
    const copy = openDatabase(target, {readonly: true})
    try {
      expect(snapshot(copy)).toEqual(snapshot(source))
    } finally {
      copy.close()
      source.close()
    }
  })

  it('refuses to replace an existing file unless --force, and then replaces it whole', async () => {
    const target = join(out, 'existing.db')
    writeFileSync(target, 'an older backup')
    const refused = await runCli(['backup', target, '--json'], {home: world.home})
    expect(refused.code).toBe(2)
    expect(JSON.parse(refused.stdout).error.message).toBe(`backup ${target}: the file exists`)
    expect(readFileSync(target, 'utf8')).toBe('an older backup')

    const forced = await runCli(['backup', target, '--force', '--json'], {home: world.home})
    expect(forced.code, forced.stderr).toBe(0)
    expect(inspectCopy(target).integrity).toBe('ok')
  })

  it.each([
    ['a directory', () => out, /is a directory/],
    ['in a missing directory', () => join(out, 'nope', 'x.db'), /does not exist/],
    ['the ledger itself', () => world.dbFile, /that is the ledger itself/],
    ['its WAL', () => `${world.dbFile}-wal`, /that is the ledger itself/],
  ])('a target that is %s is a usage error (exit 2)', async (_, target, message) => {
    const r = await runCli(['backup', target(), '--json'], {home: world.home})
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout).error.message).toMatch(message)
  })
})
