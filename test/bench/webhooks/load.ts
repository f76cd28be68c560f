import {readFileSync} from 'node:fs'

import {Agent, request} from 'undici'

import {quantile} from '../stats.js'
import {type BenchCustomer, chargeSucceeded, stripeSignature} from './stripe-event.js'

/**
 * The load process for test/bench/webhooks.ts: `concurrency` undici loops posting signed Stripe events to TARGET
 * for WARMUP_S then SECONDS; only the second part is counted. Each event is new (its own id), signed when sent.
 * Prints one JSON line: {ok, refused, errors, ms, perSec, p50Ms, p99Ms, sent}.
 */
const target = process.env.BENCH_TARGET!
const secret = process.env.BENCH_SECRET!
const seconds = Number(process.env.BENCH_SECONDS ?? '10')
const warmup = Number(process.env.BENCH_WARMUP_S ?? '2')
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? '32')
const customers = JSON.parse(readFileSync(process.env.BENCH_CUSTOMERS!, 'utf8')) as BenchCustomer[]
const agent = new Agent({connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000})

let n = 0
const counted = {ok: 0, refused: 0, errors: 0}
const latencies: number[] = []
const start = Date.now()
const measureFrom = start + warmup * 1000
const end = measureFrom + seconds * 1000

/**
 * BENCH_RATE > 0: an open loop at that many events a second, as a gateway sends them whatever the receiver does
 * (latency at an operating point); otherwise each connection sends its next event when the last is answered
 * (throughput at saturation).
 */
const rate = Number(process.env.BENCH_RATE ?? '0')
let nextAt = start

async function paced(): Promise<void> {
  if (rate <= 0) return
  const wait = nextAt - Date.now()
  nextAt += 1000 / rate
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
}

async function worker(): Promise<void> {
  while (Date.now() < end) {
    await paced()
    const i = ++n
    const now = Date.now()
    const body = chargeSucceeded(i, customers[i % customers.length]!, now)
    const t0 = performance.now()
    const measured = now >= measureFrom
    try {
      const res = await request(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': stripeSignature(secret, body, now),
        },
        body,
        dispatcher: agent,
      })
      await res.body.dump()
      if (!measured) continue
      latencies.push(performance.now() - t0)
      if (res.statusCode >= 200 && res.statusCode < 300) counted.ok++
      else counted.refused++
    } catch {
      if (measured) counted.errors++
    }
  }
}

await Promise.all(Array.from({length: concurrency}, worker))
await agent.close()
const ms = seconds * 1000
process.stdout.write(
  `${JSON.stringify({
    ...counted,
    ms,
    perSec: (counted.ok * 1000) / ms,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    sent: n,
  })}\n`,
)
