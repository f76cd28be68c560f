import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateScenario} from '../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../src/sandbox/model.js'
import {webhookUrlFor} from '../../src/sandbox/serve.js'
import {createWebhookDelivery, type DeliveryAttempt, type DeliveryStats} from '../../src/sandbox/webhook-delivery.js'
import {createRng} from '../../src/sandbox/prng.js'
import {snapshot, unbalancedPostingSets, type LedgerSnapshot} from '../helpers/sync-world.js'
import {freePort, listening, startWorker, stopWorker, worker, type Worker} from '../helpers/workers.js'
import {
  connectAll,
  fetchesSettled,
  makeHome,
  serveHooks,
  startWorld,
  type HookHome,
  type HookWorld,
} from '../services/webhooks/world.js'

/**
 * Exactly once under crashes: the built `yms-pay webhooks serve` is SIGKILLed at seeded random moments while the
 * sandbox's five gateways deliver to it, and started again on the same port. A kill lands between a request's
 * receipt and its commit (the gateway gets no answer; the event is not stored), or between the commit and the
 * answer (no answer; the event is stored): either way the gateway delivers again, and the event must end up applied
 * exactly once. The ledger must equal the one a server that was never killed builds from the same world.
 */
const KILLS = 25
const scenario = generateScenario({
  seed: 77,
  customers: 30,
  transactions: 500,
  start: '2026-06-01T00:00:00.000Z',
  end: '2026-06-15T00:00:00.000Z',
})
const clock = {now: () => Date.now()}

let crashed: HookHome
let clean: HookHome
let crashWorld: HookWorld
let cleanWorld: HookWorld
const attempts: DeliveryAttempt[] = []
let delivered: DeliveryStats[] = []
let kills = 0

/** `yms-pay webhooks serve --port N --json` on the crashed home, as an operator runs it; started once listening. */
let server: Worker

/** The world's webhooks, delivered as the sandbox delivers them, every attempt recorded. */
function deliverAll(world: HookWorld, url: string, onAttempt?: (a: DeliveryAttempt) => void) {
  const deliveries = [...world.emulators.entries()].map(([kind, emulator]) =>
    createWebhookDelivery({
      emulator,
      events: scenarioEvents(paymentsFor(scenario, kind, 'own')),
      targetUrl: webhookUrlFor(url, kind),
      clock,
      // Fast at first, then patient, as a gateway is (a restart on a loaded machine can take seconds): ~60 s.
      retryDelaysMs: [...Array<number>(40).fill(50), ...Array<number>(40).fill(250), ...Array<number>(40).fill(1_000)],
      onAttempt,
    }),
  )
  return {
    done: Promise.all(deliveries.map((d) => d.deliverDue(Date.now()))),
    stop: () => Promise.all(deliveries.map((d) => d.stop())),
  }
}

beforeAll(async () => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/webhooks/{kind}`
  crashed = await makeHome({scenario, clock})
  crashWorld = await startWorld({scenario, clock})
  await connectAll(crashed, crashWorld, url)
  const rng = createRng(2026)
  server = worker('webhooks serve', ['webhooks', 'serve', '--port', String(port), '--json'], port)
  const env = {YMS_PAY_HOME: crashed.home, ...(crashed.env as Record<string, string>)}
  await startWorker(server, env, listening)
  const delivering = deliverAll(crashWorld, url, (a) => attempts.push(a))
  let done = false
  void delivering.done.then(() => (done = true))
  while (!done && kills < KILLS) {
    await new Promise((r) => setTimeout(r, rng.int(20, 200)))
    if (done) break
    await stopWorker(server, 'SIGKILL')
    kills++
    await startWorker(server, env, listening)
  }
  delivered = await delivering.done
  await delivering.stop()
  await fetchesSettled(crashed.db)
  await stopWorker(server, 'SIGTERM')

  clean = await makeHome({scenario, clock})
  const cleanUrl = `${(await serveHooks(clean)).url}/webhooks/{kind}`
  cleanWorld = await startWorld({scenario, clock})
  await connectAll(clean, cleanWorld, cleanUrl)
  const plain = deliverAll(cleanWorld, cleanUrl)
  await plain.done
  await plain.stop()
  await fetchesSettled(clean.db)
}, 300_000)

afterAll(async () => {
  await crashed?.close()
  await clean?.close()
  await crashWorld?.close()
  await cleanWorld?.close()
})

describe('webhooks serve killed between receipt and commit, again and again', () => {
  it(`was killed ${KILLS} times mid-delivery, and stopped cleanly (exit 0) on SIGTERM at the end`, () => {
    expect(kills).toBe(KILLS)
    expect(server.exits.at(-1)).toMatchObject({code: 0, signal: null})
    // --json streams JSON lines: the address once listening, the totals once stopped.
    expect(server.lines.map((l) => (JSON.parse(l) as {event: string}).event)).toEqual(['listening', 'stopped'])
    expect(JSON.parse(server.lines[1]!)).toMatchObject({
      event: 'stopped',
      accepted: expect.any(Number),
      duplicates: expect.any(Number),
    })
    for (const s of delivered) expect(s).toMatchObject({failed: 0, pending: 0})
  })

  it('kills cut requests off after the server had them: some before their commit, redelivered and applied then', () => {
    // The connection closed under a request that was sent: the server had received it and never answered.
    const cut = attempts.filter((a) => a.status === null && !/ECONNREFUSED/.test(a.error ?? ''))
    expect(cut.length).toBeGreaterThan(KILLS / 2)
    const stored = crashed.db.raw.prepare('SELECT deliveries FROM webhook_events WHERE dedup_key = ?').pluck()
    // Each one's redelivery landed: stored once, whatever the kill interrupted.
    for (const a of cut) expect(stored.get(a.dedupId), a.dedupId).toBeGreaterThanOrEqual(1)
    // Stored with one delivery: the cut attempt was never committed, its redelivery was applied.
    const beforeCommit = cut.filter((a) => stored.get(a.dedupId) === 1)
    expect(beforeCommit.length).toBeGreaterThan(0)
  })

  it('stored every delivered event exactly once', () => {
    // Distinct events: a gateway may announce one event twice (Adyen's REPORT_AVAILABLE on a batch's close and
    // with a late event of its day), which the server rightly stores once.
    const total = new Set(attempts.filter((a) => a.status === 200).map((a) => a.dedupId)).size
    expect(total).toBeGreaterThan(200)
    const rows = crashed.db.raw
      .prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT provider || dedup_key) AS k FROM webhook_events')
      .get()
    expect(rows).toEqual({n: total, k: total})
    expect(crashed.db.raw.prepare(`SELECT COUNT(*) FROM webhook_events WHERE status != 'applied'`).pluck().get()).toBe(
      0,
    )
  })

  it('built the ledger a server that was never killed builds, every posting set balanced', () => {
    const a: LedgerSnapshot = snapshot(crashed.db)
    const b: LedgerSnapshot = snapshot(clean.db)
    expect(Object.keys(a.transactions).length).toBeGreaterThan(100)
    expect(a).toEqual(b)
    expect(unbalancedPostingSets(crashed.db)).toEqual([])
  })
})
