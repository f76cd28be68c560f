import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterEach, describe, expect, it} from 'vitest'

import type {AppContext} from '../../src/app/context.js'
import {createMemoryKeychain} from '../../src/secrets/memory-keychain.js'
import {addProvider, removeProvider, rotateSecret, type AddProviderInput} from '../../src/services/providers.js'
import {openSecretStore} from '../../src/services/secret-store.js'
import {openDatabase, type Db} from '../../src/store/db.js'
import {MIGRATIONS, runMigrations} from '../../src/store/migrations/index.js'
import {testContext} from '../helpers/sync-world.js'
import {tempDir} from '../store/helpers.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'

/**
 * Issue 10: keychain entries were shared by every home (account `<provider>/<field>`), so a second home adding a
 * provider of the same id overwrote the first's key, and removing it there deleted it. Two homes here share one
 * (in-memory) keychain, as two homes of one user share the OS keychain.
 */
const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

interface Home {
  db: Db
  ctx: AppContext
  warnings: string[]
}

function home(file?: string): Home {
  const {dir, cleanup} = tempDir()
  const db = openDatabase(file ?? join(dir, 'ledger.db'))
  cleanups.push(() => {
    db.close()
    cleanup()
  })
  const warnings: string[] = []
  return {db, ctx: {...testContext(dir, {}), warn: (m) => void warnings.push(m)}, warnings}
}

const stripe = (id: string, secrets: Record<string, string> = {}): AddProviderInput => ({
  id,
  kind: 'stripe',
  baseUrl: null,
  sites: [],
  settings: {},
  segments: [],
  fallback: null,
  retrySchedule: null,
  maxRetries: null,
  secrets,
})

describe('keychain entries belong to one ledger', () => {
  it("a second home adding, rotating and removing a provider of the same id leaves the first home's key alone", async () => {
    const keychain = createMemoryKeychain()
    const a = home()
    const b = home()
    const storeOf = (h: Home) => openSecretStore(h.db, h.ctx, {backend: keychain})
    await addProvider(sqliteHandle(a.db), a.ctx, stripe('acme-stripe', {api_key: 'sk_test_homeA_key'}), storeOf(a))
    await addProvider(sqliteHandle(b.db), b.ctx, stripe('acme-stripe', {api_key: 'sk_test_homeB_key'}), storeOf(b))
    expect(storeOf(a).get('acme-stripe', 'api_key')).toBe('sk_test_homeA_key')
    await rotateSecret(sqliteHandle(b.db), b.ctx, 'acme-stripe', 'api_key', 'sk_test_homeB_rotated', storeOf(b))
    expect(storeOf(a).get('acme-stripe', 'api_key')).toBe('sk_test_homeA_key')
    const removed = await removeProvider(sqliteHandle(b.db), b.ctx, 'acme-stripe', {}, storeOf(b))
    expect(removed).toEqual({id: 'acme-stripe', removed: true, purged: false, secretsDeleted: ['api_key']})
    expect(storeOf(a).get('acme-stripe', 'api_key')).toBe('sk_test_homeA_key')
    expect(keychain.entries.size).toBe(1)
  })
})

describe('upgrading a ledger whose entries were shared', () => {
  /** A ledger as the version before per-store entries left it (schema 7), with one provider. */
  function ledgerAtVersion7(): string {
    const {dir, cleanup} = tempDir()
    cleanups.push(cleanup)
    mkdirSync(dir, {recursive: true})
    const file = join(dir, 'ledger.db')
    const raw = new Database(file)
    runMigrations(
      raw,
      MIGRATIONS.filter((m) => m.version <= 7),
    )
    raw
      .prepare(`INSERT INTO providers (id, kind, created_at, updated_at) VALUES ('acme-stripe', 'stripe', 'x', 'x')`)
      .run()
    raw.close()
    return file
  }

  it('the provider it had reads the shared entry once, keeps its own copy, and leaves the shared one for other homes', async () => {
    const keychain = createMemoryKeychain({'acme-stripe/api_key': 'sk_test_sharedBeforeUpgrade'})
    const upgraded = home(ledgerAtVersion7())
    const secrets = openSecretStore(upgraded.db, upgraded.ctx, {backend: keychain})
    expect(secrets.require('acme-stripe', 'api_key')).toBe('sk_test_sharedBeforeUpgrade')
    const own = [...keychain.entries.keys()].find(
      (k) => k.endsWith('/acme-stripe/api_key') && k !== 'acme-stripe/api_key',
    )
    expect(own).toBeDefined()
    expect(keychain.entries.get(own!)).toBe('sk_test_sharedBeforeUpgrade')
    expect(keychain.entries.get('acme-stripe/api_key')).toBe('sk_test_sharedBeforeUpgrade')

    // Removing it deletes this ledger's copy only, and names the shared entry it leaves.
    const removed = await removeProvider(sqliteHandle(upgraded.db), upgraded.ctx, 'acme-stripe', {}, secrets)
    expect(removed.secretsDeleted).toEqual(['api_key'])
    expect(keychain.entries.has(own!)).toBe(false)
    expect(keychain.entries.get('acme-stripe/api_key')).toBe('sk_test_sharedBeforeUpgrade')
    expect(upgraded.warnings).toEqual([expect.stringContaining('acme-stripe/api_key')])
  })

  it('a home that adds a provider of that id after the upgrade does not pick up the shared key', async () => {
    const keychain = createMemoryKeychain({'acme-stripe/api_key': 'sk_test_anotherHomesKey'})
    const fresh = home()
    await addProvider(
      sqliteHandle(fresh.db),
      fresh.ctx,
      stripe('acme-stripe'),
      openSecretStore(fresh.db, fresh.ctx, {backend: keychain}),
    )
    expect(openSecretStore(fresh.db, fresh.ctx, {backend: keychain}).get('acme-stripe', 'api_key')).toBeUndefined()
    expect(fresh.warnings).toEqual([
      expect.stringMatching(/^secret api_key is not set: set YMS_PAY_SECRET_ACME_STRIPE_API_KEY/),
      expect.stringMatching(/^secret webhook_secret \(needed only to verify webhooks\) is not set/),
    ])
  })
})
