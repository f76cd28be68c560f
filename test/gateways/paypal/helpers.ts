import {readFileSync} from 'node:fs'

import type {Clock} from '../../../src/core/clock.js'

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/paypal/${name}`, import.meta.url), 'utf8')) as T
}

export function fakeClock(startIso: string): Clock & {advance(ms: number): void; set(iso: string): void} {
  let now = Date.parse(startIso)
  return {
    now: () => now,
    advance(ms) {
      now += ms
    },
    set(iso) {
      now = Date.parse(iso)
    },
  }
}
