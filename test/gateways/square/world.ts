import type {Clock} from '../../../src/core/clock.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import type {Scenario} from '../../../src/sandbox/model.js'

/** A Square-only sandbox world and a clock the test moves. */
export function squareWorld(opts: {
  seed: number
  customers: number
  transactions: number
  start?: string
  end?: string
}): Scenario {
  return generateScenario({
    seed: opts.seed,
    customers: opts.customers,
    transactions: opts.transactions,
    start: opts.start ?? '2025-01-01T00:00:00.000Z',
    end: opts.end ?? '2025-03-01T00:00:00.000Z',
    gateways: ['square'],
  })
}

export interface ManualClock extends Clock {
  set(iso: string): void
  iso(): string
}

export function manualClock(iso: string): ManualClock {
  let now = Date.parse(iso)
  return {
    now: () => now,
    set(value) {
      now = Date.parse(value)
    },
    iso: () => new Date(now).toISOString(),
  }
}
