import {exportScenario} from '../../../src/sandbox/export.js'
import {serveEmulator} from '../../../src/sandbox/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {createStripeEmulator} from '../../../src/sandbox/stripe/emulator.js'

/**
 * The Stripe emulator in its own process, so serving pages never shares an event loop (or a core's worth of
 * JSON rendering) with the code being measured. Prints one JSON line {baseUrl, secrets, counts, exportDir} once
 * listening, then serves until killed.
 *   node --import tsx test/bench/sync/emulator-child.ts <transactions> <exportDir> [seed]
 */
export const BENCH_START = '2026-01-01T00:00:00.000Z'
export const BENCH_END = '2026-04-01T00:00:00.000Z'

const transactions = Number(process.argv[2])
const exportDir = process.argv[3]
const seed = Number(process.argv[4] ?? 42)
if (!Number.isSafeInteger(transactions) || !exportDir)
  throw new Error('usage: emulator-child.ts <transactions> <exportDir> [seed]')

const t0 = performance.now()
const scenario = generateScenario({
  seed,
  customers: Math.max(20, Math.floor(transactions / 20)),
  transactions,
  start: BENCH_START,
  end: BENCH_END,
  gateways: ['stripe'],
})
const generatedMs = performance.now() - t0
await exportScenario({...scenario, invoices: []}, exportDir)
// The world is complete: the clock stands at its end, so every object is visible and the event feed is quiet.
const end = Date.parse(BENCH_END)
const emulator = createStripeEmulator({scenario, share: 'own', clock: {now: () => end}})
const server = await serveEmulator(emulator)
const counts = {
  charges: scenario.payments.length,
  refunds: scenario.payments.reduce((n, p) => n + p.refunds.length, 0),
  disputes: scenario.payments.filter((p) => p.dispute !== null).length,
  customers: scenario.customers.length,
}
process.stdout.write(
  `${JSON.stringify({baseUrl: server.baseUrl, secrets: emulator.secrets, counts, generatedMs: Math.round(generatedMs), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20)})}\n`,
)
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)))
