import {createStripeEmulator} from '../../../src/sandbox/stripe/emulator.js'
import type {GatewayEmulator, RunningServer} from '../../../src/sandbox/emulator.js'
import {serveEmulator} from '../../../src/sandbox/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import type {Scenario} from '../../../src/sandbox/model.js'

export const START = '2026-01-01T00:00:00.000Z'
export const END = '2026-04-01T00:00:00.000Z'

export function stripeScenario(
  transactions: number,
  seed = 11,
  customers = Math.max(20, Math.floor(transactions / 20)),
): Scenario {
  return generateScenario({seed, customers, transactions, start: START, end: END, gateways: ['stripe']})
}

/** A clock the test moves by hand. */
export function manualClock(iso: string): {now(): number; set(iso: string): void; isoNow(): string} {
  let ms = Date.parse(iso)
  return {
    now: () => ms,
    set: (next: string) => {
      ms = Date.parse(next)
    },
    isoNow: () => new Date(ms).toISOString(),
  }
}

export async function startStripe(
  scenario: Scenario,
  clock: {now(): number},
): Promise<{emulator: GatewayEmulator; server: RunningServer; port: number}> {
  const emulator = createStripeEmulator({scenario, share: 'own', clock})
  const server = await serveEmulator(emulator)
  return {emulator, server, port: Number(new URL(server.baseUrl).port)}
}
