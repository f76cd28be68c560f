import {describe, expect, it} from 'vitest'

import {keptHomeCommand} from '../../src/commands/demo/index.js'

describe('the command the demo prints for its kept home', () => {
  it('reads the demo’s own SQLite home, also from a shell pointed at a PostgreSQL ledger', () => {
    expect(keptHomeCommand('/tmp/demo', {})).toBe('yms-pay status --home /tmp/demo')
    expect(keptHomeCommand('/tmp/demo', {YMS_PAY_DATABASE_URL: 'postgres://yms@db/ledger'})).toBe(
      'env -u YMS_PAY_DATABASE_URL yms-pay status --home /tmp/demo',
    )
  })
})
