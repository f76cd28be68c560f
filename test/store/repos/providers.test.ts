import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/errors.js'
import {addGrant, listGrants, removeGrant} from '../../../src/store/repos/grants.js'
import {
  deleteProvider,
  getProvider,
  insertProvider,
  listProviders,
  PROVIDER_ID_RULE,
  providersForSite,
  updateProvider,
} from '../../../src/store/repos/providers.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {tempDb, type TempDb} from '../helpers.js'

let t: TempDb
beforeEach(() => {
  t = tempDb()
  upsertSites(t.db, [
    {id: 'berlin', name: 'Berlin', currency: 'EUR'},
    {id: 'tokyo', name: 'Tokyo', currency: 'JPY'},
  ])
})
afterEach(() => t.cleanup())

describe('providers repository', () => {
  it('inserts, reads back, updates only what changed, and deletes with its sites and grants', () => {
    const created = insertProvider(t.db, {
      id: 'adyen-eu',
      kind: 'adyen',
      settings: {merchant_account: 'YmsEU'},
      sites: ['tokyo', 'berlin', 'berlin'],
      retrySchedule: '5m,30m',
      maxRetries: 4,
    })
    expect(created).toMatchObject({
      id: 'adyen-eu',
      kind: 'adyen',
      baseUrl: null,
      settings: {merchant_account: 'YmsEU'},
      enabled: true,
      fallback: null,
      sites: ['berlin', 'tokyo'],
      maxRetries: 4,
    })
    insertProvider(t.db, {id: 'stripe-eu', kind: 'stripe', sites: ['berlin'], fallback: 'adyen-eu'})
    expect(providersForSite(t.db, 'berlin')).toEqual(['adyen-eu', 'stripe-eu'])

    expect(updateProvider(t.db, 'adyen-eu', {maxRetries: 4, sites: ['berlin', 'tokyo']})?.changed).toEqual([])
    const updated = updateProvider(t.db, 'adyen-eu', {enabled: false, sites: ['tokyo'], baseUrl: 'http://127.0.0.1:9'})
    expect(updated?.changed.sort()).toEqual(['baseUrl', 'enabled', 'sites'])
    expect(getProvider(t.db, 'adyen-eu')).toMatchObject({
      enabled: false,
      sites: ['tokyo'],
      baseUrl: 'http://127.0.0.1:9',
    })
    expect(updateProvider(t.db, 'nope', {enabled: true})).toBeNull()

    addGrant(t.db, {provider: 'adyen-eu', segment: 'gold', site: '*', access: 'read'})
    expect(deleteProvider(t.db, 'adyen-eu')).toBe(true)
    expect(deleteProvider(t.db, 'adyen-eu')).toBe(false)
    expect(listGrants(t.db)).toEqual([])
    expect(providersForSite(t.db, 'tokyo')).toEqual([])
    // the provider that fell back to it loses the fallback instead of pointing at nothing
    expect(getProvider(t.db, 'stripe-eu')?.fallback).toBeNull()
    expect(listProviders(t.db).map((p) => p.id)).toEqual(['stripe-eu'])
  })

  it('refuses duplicates, unknown sites and fallbacks, self-fallback and ids unusable in transaction ids', () => {
    insertProvider(t.db, {id: 'p1', kind: 'stripe'})
    expect(() => insertProvider(t.db, {id: 'p1', kind: 'stripe'})).toThrow(/already exists/)
    expect(() => insertProvider(t.db, {id: 'p2', kind: 'stripe', sites: ['paris']})).toThrow(UsageError)
    expect(() => insertProvider(t.db, {id: 'p3', kind: 'stripe', fallback: 'ghost'})).toThrow(/unknown fallback/)
    expect(() => updateProvider(t.db, 'p1', {fallback: 'p1'})).toThrow(/own fallback/)
    // The repository states the rule as a usage error; the table's CHECK stays as the last line behind it.
    for (const id of ['a:b', 'has space', 'invoice', '', 'x'.repeat(65)]) {
      expect(() => insertProvider(t.db, {id, kind: 'stripe'}), id).toThrow(UsageError)
      expect(() => insertProvider(t.db, {id, kind: 'stripe'}), id).toThrow(PROVIDER_ID_RULE)
      expect(
        () =>
          t.db.raw
            .prepare(`INSERT INTO providers (id, kind, created_at, updated_at) VALUES (?, 'stripe', 'x', 'x')`)
            .run(id),
        id,
      ).toThrow(/CHECK constraint/)
    }
    expect(listProviders(t.db).map((p) => p.id)).toEqual(['p1'])
  })
})

describe('grants', () => {
  it('adds, changes access, lists and revokes; one grant per provider, segment and site', () => {
    insertProvider(t.db, {id: 'p1', kind: 'square'})
    insertProvider(t.db, {id: 'p2', kind: 'paypal'})
    expect(addGrant(t.db, {provider: 'p1', segment: 'gold', site: '*', access: 'read'})).toBe('inserted')
    expect(addGrant(t.db, {provider: 'p1', segment: 'gold', site: '*', access: 'read'})).toBe('unchanged')
    expect(addGrant(t.db, {provider: 'p1', segment: 'gold', site: '*', access: 'write'})).toBe('updated')
    addGrant(t.db, {provider: 'p1', segment: '*', site: 'berlin', access: 'read'})
    addGrant(t.db, {provider: 'p2', segment: 'gold', site: 'tokyo', access: 'read'})
    expect(listGrants(t.db, 'p1').map((g) => [g.segment, g.site, g.access])).toEqual([
      ['*', 'berlin', 'read'],
      ['gold', '*', 'write'],
    ])
    expect(listGrants(t.db)).toHaveLength(3)
    expect(removeGrant(t.db, {provider: 'p1', segment: 'gold', site: '*'})).toBe(true)
    expect(removeGrant(t.db, {provider: 'p1', segment: 'gold', site: '*'})).toBe(false)
    expect(() => addGrant(t.db, {provider: 'ghost', segment: 'gold', site: '*', access: 'read'})).toThrow(
      /unknown provider/,
    )
    expect(() => addGrant(t.db, {provider: 'p1', segment: 'x', site: '*', access: 'admin' as 'read'})).toThrow(/CHECK/)
  })
})
