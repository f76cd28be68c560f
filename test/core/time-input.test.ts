import {describe, expect, it} from 'vitest'

import {UsageError} from '../../src/core/errors.js'
import {parseDay, parseInstant} from '../../src/core/time-input.js'

const NOW = Date.parse('2026-03-10T12:00:00.000Z')

describe('parseInstant: one reading of a time on the command line', () => {
  it.each([
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T12:00:00Z', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T12:00:00.5Z', '2026-03-01T12:00:00.500Z'],
    ['2026-03-01T14:00:00+02:00', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T06:30-0530', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T12:00', '2026-03-01T12:00:00.000Z'], // no offset: UTC, not the machine's zone
    ['2026-03-01 12:00:00', '2026-03-01T12:00:00.000Z'],
    ['24h', '2026-03-09T12:00:00.000Z'],
    ['7d', '2026-03-03T12:00:00.000Z'],
    ['30m', '2026-03-10T11:30:00.000Z'],
    [' 2026-03-01 ', '2026-03-01T00:00:00.000Z'],
  ])('%j is %s', (input, iso) => {
    expect(parseInstant(input, '--since', NOW)).toBe(iso)
  })

  it.each([
    'garbage',
    'yesterday',
    'last week',
    '',
    '2026-02-30', // Date.parse reads it as March 2
    '2026-13-01',
    '2026-03-01T25:00Z',
    '2026-03-01T12:60Z',
    '2026-03-01T12:00+24:00',
    '1772366400000', // epoch ms: not a form we promise
    '03/01/2026',
    '0s',
    '24 hours',
    '9999999999d',
  ])('%j is a usage error naming the flag and the forms', (input) => {
    let error: unknown
    try {
      parseInstant(input, '--since', NOW)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toMatch(/^--since ".*": not a time$/)
    expect((error as UsageError).hint).toMatch(/2026-03-01.*24h/)
  })
})

describe('parseDay', () => {
  it('takes a calendar day that exists', () => {
    expect(parseDay('2024-02-29', '--date')).toBe('2024-02-29')
    for (const bad of ['2026-02-29', '25.11.2026', 'tomorrow', '2026-03-01T00:00:00Z'])
      expect(() => parseDay(bad, '--date')).toThrow(/^--date ".*": not a calendar date$/)
  })
})
