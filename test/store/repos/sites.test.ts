import {afterEach, describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/errors.js'
import {getSite, listSites, upsertSite, upsertSites} from '../../../src/store/repos/sites.js'
import {tempDb, type TempDb} from '../helpers.js'

let t: TempDb
afterEach(() => t.cleanup())

describe('sites repository', () => {
  it('counts inserted / updated / unchanged by comparing values, and keeps created_at', () => {
    t = tempDb()
    const first = upsertSites(t.db, [
      {id: 'berlin', name: 'Berlin', currency: 'EUR', country: 'DE', timezone: 'Europe/Berlin'},
      {id: 'tokyo', name: 'Tokyo', currency: 'JPY'},
    ])
    expect(first).toMatchObject({inserted: 2, updated: 0, unchanged: 0, rejected: []})
    const created = getSite(t.db, 'berlin')
    const second = upsertSites(t.db, [
      {id: 'berlin', name: 'Berlin', currency: 'EUR', country: 'DE', timezone: 'Europe/Berlin'},
      {id: 'tokyo', name: 'Tokyo HQ', currency: 'JPY', country: null},
      {id: 'nyc', name: 'New York', currency: 'USD', country: 'US'},
    ])
    expect(second.outcomes).toEqual(['unchanged', 'updated', 'inserted'])
    expect(second).toMatchObject({inserted: 1, updated: 1, unchanged: 1})
    expect(getSite(t.db, 'berlin')).toEqual(created) // untouched, updated_at included
    const tokyo = getSite(t.db, 'tokyo')
    expect(tokyo?.name).toBe('Tokyo HQ')
    expect(tokyo!.updatedAt > tokyo!.createdAt).toBe(true)
    expect(listSites(t.db).map((s) => s.id)).toEqual(['berlin', 'nyc', 'tokyo'])
  })

  it('rejects a malformed row alone and lands the good ones in the same batch', () => {
    t = tempDb()
    const result = upsertSites(t.db, [
      {id: 'a', name: 'A', currency: 'eur'},
      {id: 'b', name: 'B', currency: 'EUR', country: 'DEU'},
      {id: 'c', name: 'C', currency: 'CHF'},
    ])
    expect(result.rejected.map((r) => r.index)).toEqual([0, 1])
    expect(result.rejected[0]?.error).toMatch(/CHECK constraint/)
    expect(result.inserted).toBe(1)
    expect(listSites(t.db).map((s) => s.id)).toEqual(['c'])
  })

  it('upsertSite throws a UsageError for a refused row', () => {
    t = tempDb()
    expect(upsertSite(t.db, {id: 'x', name: 'X', currency: 'USD'})).toBe('inserted')
    expect(() => upsertSite(t.db, {id: 'y', name: 'Y', currency: 'US'})).toThrow(UsageError)
  })
})
