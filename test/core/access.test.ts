import {describe, expect, it} from 'vitest'

import {isAllowed, type Grant} from '../../src/core/access.js'

describe('access rules', () => {
  const target = {segment: 'vip', site: 'berlin'}
  it('denies by default', () => {
    expect(isAllowed([], target, 'read')).toBe(false)
  })
  it('matches exact and wildcard segments and sites', () => {
    const grants: Grant[] = [{segment: 'retail', site: '*', access: 'write'}]
    expect(isAllowed(grants, target, 'read')).toBe(false)
    expect(isAllowed([{segment: '*', site: 'berlin', access: 'write'}], target, 'write')).toBe(true)
    expect(isAllowed([{segment: 'vip', site: 'boston', access: 'write'}], target, 'write')).toBe(false)
  })
  it('read grants do not allow writes; write grants allow reads', () => {
    expect(isAllowed([{segment: 'vip', site: '*', access: 'read'}], target, 'write')).toBe(false)
    expect(isAllowed([{segment: 'vip', site: '*', access: 'write'}], target, 'read')).toBe(true)
  })
})
