import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

// The setup file every test file loads (vitest.config.ts setupFiles) must turn any failing property into a
// report that names its seed, the command replaying it, and the line that pins it as a regression case.
describe('property tests report how to replay a failure', () => {
  it('a failing property names its seed, how to replay it, and how to pin it', () => {
    let message = ''
    try {
      fc.assert(
        fc.property(fc.integer({min: 0, max: 1000}), (n) => n < 500),
        {seed: 1234},
      )
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('seed: 1234')
    expect(message).toContain(
      'Replay: YMS_FC_SEED=1234 npx vitest run test/helpers/fast-check-setup.test.ts -t "a failing property names its seed, how to replay it, and how to pin it"',
    )
    expect(message).toMatch(/Pin it as a regression case: fc\.assert\(property, \{seed: 1234, path: "[\d:]+"\}\)/)
  })

  it('a passing property says nothing', () => {
    expect(() =>
      fc.assert(
        fc.property(fc.integer(), (n) => Number.isInteger(n)),
        {seed: 1234},
      ),
    ).not.toThrow()
  })
})
