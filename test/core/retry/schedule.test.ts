import {describe, expect, it} from 'vitest'

import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_SCHEDULE,
  delayBefore,
  retryPolicy,
  scheduleSpanMs,
  slotDueAt,
} from '../../../src/core/retry/schedule.js'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

describe('retry schedule', () => {
  it('reads a provider setting, and the default when none is stored', () => {
    expect(retryPolicy({retrySchedule: '5m,30m,2h,1d', maxRetries: 6})).toEqual({
      schedule: '5m,30m,2h,1d',
      delaysMs: [5 * MIN, 30 * MIN, 2 * HOUR, DAY],
      maxRetries: 6,
    })
    const d = retryPolicy({retrySchedule: null, maxRetries: null})
    expect(d.schedule).toBe(DEFAULT_RETRY_SCHEDULE)
    expect(d.maxRetries).toBe(DEFAULT_MAX_RETRIES)
    // Four retries over about nine days: inside Visa's 15 and Mastercard's 10-a-day caps, within two weeks.
    expect(scheduleSpanMs(d)).toBe(HOUR + DAY + 3 * DAY + 5 * DAY)
  })

  it('counts slot 1 from the failure and each later slot from the end of the attempt before it', () => {
    const p = retryPolicy({retrySchedule: '5m,30m,2h,1d', maxRetries: 4})
    const failedAt = Date.parse('2026-03-01T10:00:00Z')
    expect(new Date(slotDueAt(p, 1, failedAt)).toISOString()).toBe('2026-03-01T10:05:00.000Z')
    // Attempt 1 took 7 s: slot 2 is 30 minutes after it ended, not after it was due.
    expect(new Date(slotDueAt(p, 2, failedAt + 5 * MIN + 7_000)).toISOString()).toBe('2026-03-01T10:35:07.000Z')
  })

  it('repeats the last delay when --max-retries outruns the schedule', () => {
    const p = retryPolicy({retrySchedule: '1h,1d', maxRetries: 5})
    expect([1, 2, 3, 4, 5].map((slot) => delayBefore(p, slot))).toEqual([HOUR, DAY, DAY, DAY, DAY])
    expect(scheduleSpanMs(p)).toBe(HOUR + 4 * DAY)
    expect(() => delayBefore(p, 0)).toThrow(RangeError)
  })

  it('refuses a stored schedule that shrinks, as the flag does', () => {
    expect(() => retryPolicy({retrySchedule: '1d,1h', maxRetries: 2})).toThrow(/must not shrink/)
  })
})
