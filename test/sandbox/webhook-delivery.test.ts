import {createServer} from 'node:net'
import type {AddressInfo} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {generateScenario} from '../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../src/sandbox/model.js'
import {createWebhookDelivery, type WebhookDeliveryOptions} from '../../src/sandbox/webhook-delivery.js'
import {fakeEmulator, sign} from './fake-emulator.js'
import {startReceiver} from './receiver.js'

const scenario = generateScenario({
  seed: 21,
  customers: 30,
  transactions: 150,
  start: '2025-01-01T00:00:00.000Z',
  end: '2025-01-15T00:00:00.000Z',
})
const events = scenarioEvents(paymentsFor(scenario, 'stripe', 'own'))
const emulator = fakeEmulator(scenario)
const endMs = Date.parse(scenario.end)
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function delivery(targetUrl: string, extra: Partial<WebhookDeliveryOptions> = {}) {
  const sleeps: number[] = []
  const d = createWebhookDelivery({
    emulator,
    events,
    targetUrl,
    clock: {now: () => endMs},
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...extra,
  })
  cleanups.push(() => d.stop())
  return {d, sleeps}
}

async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(answer)
  cleanups.push(r.close)
  return r
}

describe('webhook delivery', () => {
  it('delivers only the events due by the clock, in time order, signed as the emulator signed them', async () => {
    expect(events.length).toBeGreaterThan(20)
    const r = await receiver()
    const {d} = delivery(`${r.url}/hooks`)
    const cut = events[10]!.at
    const firstStats = await d.deliverDue(Date.parse(cut))
    const due = events.filter((e) => e.at <= cut).length
    expect(firstStats).toMatchObject({delivered: due, failed: 0, duplicates: 0, pending: events.length - due})
    await d.deliverDue(endMs)
    expect(d.stats()).toMatchObject({delivered: events.length, pending: 0})
    const bodies = r.received.map((x) => JSON.parse(x.body) as {at: string; id: string})
    expect(bodies.map((b) => b.at)).toEqual(events.map((e) => e.at))
    expect(new Set(bodies.map((b) => b.id)).size).toBe(events.length)
    for (const x of r.received) {
      expect(x.path).toBe('/hooks')
      expect(x.headers['x-signature']).toBe(sign(x.body))
    }
    // Nothing is delivered twice by a second pass over the same time.
    await d.deliverDue(endMs)
    expect(r.received.length).toBe(events.length)
  })

  it('retries a refused webhook on the schedule until the receiver answers 2xx', async () => {
    const r = await receiver((index) => (index < 2 ? 500 : 200))
    const {d, sleeps} = delivery(r.url)
    const stats = await d.deliverDue(Date.parse(events[0]!.at))
    expect(stats).toMatchObject({delivered: 1, failed: 0, attempts: 3})
    expect(sleeps).toEqual([1_000, 2_000])
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1)
  })

  it('gives up after the last retry and counts the webhook failed', async () => {
    const r = await receiver(() => 503)
    const {d, sleeps} = delivery(r.url, {retryDelaysMs: [10, 20, 40]})
    const stats = await d.deliverDue(Date.parse(events[1]!.at))
    const due = events.filter((e) => e.at <= events[1]!.at).length
    expect(stats).toMatchObject({delivered: 0, failed: due, attempts: 4 * due})
    expect(sleeps.slice(0, 3)).toEqual([10, 20, 40])
  })

  it('treats a connection refused like a refusal and retries', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const {port} = probe.address() as AddressInfo
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const attempts: (number | null)[] = []
    const {d} = delivery(`http://127.0.0.1:${port}/`, {retryDelaysMs: [5], onAttempt: (a) => attempts.push(a.status)})
    const stats = await d.deliverDue(Date.parse(events[0]!.at))
    expect(stats.failed).toBeGreaterThan(0)
    expect(attempts.every((s) => s === null)).toBe(true)
    expect(attempts.length).toBe(2 * stats.failed)
  })

  it('delivers some webhooks twice when asked to, with the same dedup id and body', async () => {
    const r = await receiver()
    let n = 0
    const {d} = delivery(r.url, {duplicate: () => n++ % 2 === 0})
    const stats = await d.deliverDue(endMs)
    expect(stats.delivered).toBe(events.length)
    expect(stats.duplicates).toBe(Math.ceil(events.length / 2))
    expect(r.received.length).toBe(events.length + stats.duplicates)
    const counts = new Map<string, number>()
    for (const x of r.received) counts.set(x.body, (counts.get(x.body) ?? 0) + 1)
    expect([...counts.values()].filter((c) => c === 2).length).toBe(stats.duplicates)
  })

  it('reorder holds a webhook back until the next one is delivered: every one arrives once, some after their successor', async () => {
    const r = await receiver()
    let n = 0
    const {d} = delivery(r.url, {reorder: () => n++ % 3 === 0})
    const stats = await d.deliverDue(endMs)
    expect(stats).toMatchObject({delivered: events.length, failed: 0})
    const ids = r.received.map((x) => (JSON.parse(x.body) as {id: string}).id)
    const expected = events.map((e) => `evt_${e.type}_${e.refund?.key ?? e.payment.key}`)
    expect([...ids].sort()).toEqual([...expected].sort())
    const sent = r.received.map((x) => (JSON.parse(x.body) as {at: string}).at)
    const inversions = sent.filter((at, i) => i > 0 && at < sent[i - 1]!).length
    expect(inversions).toBeGreaterThan(events.length / 5)
  })

  it('skips history before `from` and stops promptly even during a back-off', async () => {
    const r = await receiver(() => 500)
    const from = events[5]!.at
    const d = createWebhookDelivery({
      emulator,
      events,
      targetUrl: r.url,
      clock: {now: () => endMs},
      from,
      retryDelaysMs: [60_000],
    })
    expect(d.stats().pending).toBe(events.filter((e) => e.at > from).length)
    const running = d.deliverDue()
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = Date.now()
    await d.stop()
    await running
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(JSON.parse(r.received[0]!.body).at > from).toBe(true)
  })
})
