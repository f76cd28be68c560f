import {rmSync, writeFileSync} from 'node:fs'

import Database from 'better-sqlite3'
import {afterEach, describe, expect, it} from 'vitest'

import {runDoctor, type DoctorCheck} from '../../src/services/doctor.js'
import {addProvider, setProviderEnabled} from '../../src/services/providers.js'
import {openDatabase} from '../../src/store/db.js'
import {LATEST_VERSION} from '../../src/store/migrations/index.js'
import {testContext} from '../helpers/sync-world.js'
import {tempDir} from '../store/helpers.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

function home(env: NodeJS.ProcessEnv = {}) {
  const {dir, cleanup} = tempDir()
  cleanups.push(cleanup)
  const ctx = testContext(dir, env)
  return {dir, ctx, file: ctx.home.dbFile}
}

const byName = (checks: DoctorCheck[]) => Object.fromEntries(checks.map((c) => [c.check, c]))

async function provider(ctx: ReturnType<typeof home>['ctx'], id: string) {
  const db = openDatabase(ctx.home.dbFile)
  try {
    await addProvider(sqliteHandle(db), ctx, {
      id,
      kind: 'stripe',
      baseUrl: null,
      sites: [],
      settings: {},
      segments: ['*'],
      fallback: null,
      retrySchedule: null,
      maxRetries: null,
      secrets: {},
    })
  } finally {
    db.close()
  }
}

describe('doctor', () => {
  it('a sound home: every check ok but providers (none yet) and perhaps the keychain', async () => {
    const h = home()
    openDatabase(h.file).close()
    const report = await runDoctor(h.ctx)
    expect(report.ok).toBe(true)
    const checks = byName(report.checks)
    for (const name of [
      'home',
      'home-permissions',
      'side-files',
      'file-permissions',
      'home-writable',
      'schema',
      'integrity',
      'audit-chain',
    ])
      expect(checks[name]?.status, name).toBe('ok')
    expect(checks.schema!.message).toContain(`schema version ${LATEST_VERSION}`)
    expect(['ok', 'warn']).toContain(checks.keychain!.status) // ok where a Secret Service runs (CI)
    expect(checks.providers!.status).toBe('warn')
  })

  it('a missing home is one failure that names it; nothing is created', async () => {
    const h = home()
    rmSync(h.dir, {recursive: true})
    const report = await runDoctor(h.ctx)
    expect(report.checks).toEqual([
      expect.objectContaining({
        check: 'home',
        status: 'fail',
        message: expect.stringContaining(`${h.dir} (from --home) does not exist`),
      }),
    ])
    expect(report.ok).toBe(false)
  })

  it('a schema newer than this yms-pay fails with how to update it (not npm)', async () => {
    const h = home()
    const raw = new Database(h.file)
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`)
    raw.close()
    const schema = byName((await runDoctor(h.ctx)).checks).schema!
    expect(schema.status).toBe('fail')
    expect(schema.hint).toContain('git pull && npm ci')
    expect(schema.hint).not.toMatch(/npm (i|install) -g/)
  })

  it('a broken audit chain fails, naming the row', async () => {
    const h = home()
    const db = openDatabase(h.file)
    await provider(h.ctx, 'acme')
    db.close()
    const raw = new Database(h.file)
    raw.exec('DROP TRIGGER audit_log_no_update')
    raw.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1").run()
    raw.close()
    const chain = byName((await runDoctor(h.ctx)).checks)['audit-chain']!
    expect(chain).toMatchObject({status: 'fail', message: expect.stringContaining('seq 1')})
  })

  it('secrets: missing for an enabled provider fails (its sync would), for a disabled one warns; present is ok', async () => {
    const h = home({YMS_PAY_SECRET_PAID_API_KEY: 'sk_test_x', YMS_PAY_SECRET_PAID_WEBHOOK_SECRET: 'whsec_x'})
    for (const id of ['paid', 'unpaid', 'parked']) await provider(h.ctx, id)
    const db = openDatabase(h.file)
    await setProviderEnabled(sqliteHandle(db), h.ctx, 'parked', false)
    db.close()
    const report = await runDoctor(h.ctx)
    const checks = byName(report.checks)
    expect(checks['secrets:paid']!.status).toBe('ok')
    expect(checks['secrets:unpaid']).toMatchObject({
      status: 'fail',
      hint: expect.stringContaining('YMS_PAY_SECRET_UNPAID_API_KEY'),
    })
    expect(checks['secrets:parked']!.status).toBe('warn')
    expect(report.ok).toBe(false)
    expect(report.counts.fail).toBe(1)
  })

  it('a file in the place of the home fails as not a directory', async () => {
    const h = home()
    rmSync(h.dir, {recursive: true})
    writeFileSync(h.dir, 'x')
    cleanups.push(() => rmSync(h.dir, {force: true}))
    const report = await runDoctor(h.ctx)
    expect(report.checks).toEqual([expect.objectContaining({check: 'home', status: 'fail'})])
    expect(report.checks[0]!.message).toMatch(/is not a directory/)
  })

  it('changes nothing: an older schema is reported, not upgraded', async () => {
    const h = home()
    openDatabase(h.file).close()
    const raw = new Database(h.file)
    raw.pragma(`user_version = ${LATEST_VERSION - 1}`)
    raw.close()
    expect(byName((await runDoctor(h.ctx)).checks).schema!.status).toBe('warn')
    const after = new Database(h.file, {readonly: true})
    expect(after.pragma('user_version', {simple: true})).toBe(LATEST_VERSION - 1)
    after.close()
  })
})
