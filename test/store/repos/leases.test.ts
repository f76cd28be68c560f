import {afterEach, describe, expect, it} from 'vitest'

import {acquireLease, getLease, releaseLease} from '../../../src/store/repos/leases.js'
import {tempDb, type TempDb} from '../helpers.js'

let t: TempDb
afterEach(() => t.cleanup())

describe('leases', () => {
  it('one owner at a time until expiry; re-acquire extends; release only by the owner', () => {
    let now = Date.parse('2024-05-01T10:00:00Z')
    t = tempDb({clock: () => now})
    expect(acquireLease(t.db, 'stripe-eu', 'run-1', 60_000).acquired).toBe(true)
    const second = acquireLease(t.db, 'stripe-eu', 'run-2', 60_000)
    expect(second).toMatchObject({acquired: false, lease: {owner: 'run-1'}})
    expect(acquireLease(t.db, 'adyen', 'run-2', 60_000).acquired).toBe(true) // other names are independent

    now += 30_000
    expect(acquireLease(t.db, 'stripe-eu', 'run-1', 60_000).lease).toMatchObject({
      acquiredAt: '2024-05-01T10:00:00.000Z',
      expiresAt: '2024-05-01T10:01:30.000Z',
    })
    expect(releaseLease(t.db, 'stripe-eu', 'run-2')).toBe(false)
    now += 60_001 // past expiry: a crashed owner does not block forever
    expect(acquireLease(t.db, 'stripe-eu', 'run-2', 60_000).acquired).toBe(true)
    expect(releaseLease(t.db, 'stripe-eu', 'run-2')).toBe(true)
    expect(getLease(t.db, 'stripe-eu')).toBeNull()
  })
})
