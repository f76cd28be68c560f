import {createServer} from 'node:http'
import {copyFileSync, mkdtempSync, rmSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Agent, request} from 'undici'

import {createMemoryKeychain, createSecretStore} from '../../src/secrets/index.js'
import {flushAlerts} from '../../src/services/alerts/flush.js'
import {raiseAlert} from '../../src/services/alerts/raise.js'
import {addAlertTarget} from '../../src/services/alerts/targets.js'
import {signatureHeader, signingKey} from '../../src/services/alerts/sign.js'
import {openDatabase} from '../../src/store/db.js'
import {storeId} from '../../src/store/repos/store-identity.js'
import {commitAllPages, fetchedPages} from './sync/fetched-pages.js'
import {fmt, machineNote, median, pairedRatio, table} from './stats.js'
import {benchContext} from './sync/yms-home.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'

/**
 * What alerts cost, each beside its baseline in the same run (rounds interleaved, medians and paired ratios):
 *
 * 1. The sync's write path (as test/bench/writer.ts: every page of a Stripe backfill committed with commitPage on
 *    this thread) on a home without alert targets, and on the same home with a target taking balance_changed,
 *    failed_transaction and access_denied: each alert is built and written to the outbox in the page's transaction.
 * 2. Delivery: `flushAlerts` sending N signed alerts (N/10 customers, so ten queued per customer, in order) to a
 *    loopback node:http receiver that answers 200, beside a floor that POSTs the same signed bodies with undici at
 *    the same concurrency and keeps no state.
 *
 *   npx tsx test/bench/alerts.ts [--size 10000] [--alerts 2000] [--reps 5]
 */
const argv = process.argv.slice(2)
const opt = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback)
const size = Number(opt('--size', '10000'))
const alertCount = Number(opt('--alerts', '2000'))
const reps = Number(opt('--reps', '5'))
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
const CONCURRENCY = 8

const scratch = mkdtempSync(join(tmpdir(), 'yms-bench-alerts-'))
try {
  const write = await writePath()
  const delivery = await deliveryThroughput()
  console.log(`\n${await machineNote()}\n`)
  console.log(
    table(
      ['measure', 'reps', 'baseline', 'with alerts', 'ratio'],
      [
        [
          `write path, ${write.items} items (ms)`,
          reps,
          fmt(median(write.without), 0),
          fmt(median(write.with), 0),
          `${fmt(pairedRatio(write.with, write.without), 3)}x time`,
        ],
        [`outbox rows written per write-path run`, reps, '0', String(write.alerts), ''],
        [
          `delivery of ${alertCount} alerts (alerts/s)`,
          reps,
          fmt(median(delivery.floor), 0),
          fmt(median(delivery.flush), 0),
          `${fmt(pairedRatio(delivery.flush, delivery.floor), 2)}x floor`,
        ],
      ],
    ),
  )
} finally {
  rmSync(scratch, {recursive: true, force: true})
}

async function writePath(): Promise<{items: number; alerts: number; without: number[]; with: number[]}> {
  const {template, ctx, pages} = await fetchedPages(scratch, size)
  const result = {items: pages.reduce((n, p) => n + p.page.items.length, 0), alerts: 0, without: [], with: []} as {
    items: number
    alerts: number
    without: number[]
    with: number[]
  }
  for (let rep = 0; rep < reps; rep++) {
    // Alternate which goes first, so drift in the machine's speed does not favour one.
    for (const withTarget of rep % 2 === 0 ? [false, true] : [true, false]) {
      const file = join(scratch, `run-${rep}-${withTarget}.db`)
      copyFileSync(template, file)
      const db = openDatabase(file)
      if (withTarget) {
        const store = createSecretStore({namespace: storeId(db), env: {}, backend: createMemoryKeychain()})
        await addAlertTarget(
          sqliteHandle(db),
          ctx,
          {
            id: 'yms',
            format: 'standard',
            url: 'https://yms.example.test/hooks',
            events: 'balance_changed,failed_transaction,access_denied',
            secrets: {secret: SECRET},
          },
          store,
        )
      }
      result[withTarget ? 'with' : 'without'].push(commitAllPages(db, pages))
      if (withTarget) result.alerts = db.raw.prepare('SELECT COUNT(*) FROM alerts_outbox').pluck().get() as number
      db.close()
      rmSync(file, {force: true})
    }
  }
  return result
}

async function deliveryThroughput(): Promise<{flush: number[]; floor: number[]}> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  const out = {flush: [] as number[], floor: [] as number[]}
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const which of rep % 2 === 0 ? (['floor', 'flush'] as const) : (['flush', 'floor'] as const)) {
        const ms = which === 'flush' ? await timeFlush(url, rep) : await timeFloor(url)
        out[which].push((alertCount * 1000) / ms)
      }
    }
  } finally {
    server.closeAllConnections()
    server.close()
  }
  return out
}

async function timeFlush(url: string, rep: number): Promise<number> {
  const home = join(scratch, `deliver-${rep}`)
  const ctx = benchContext(home, {})
  const db = openDatabase(ctx.home.dbFile)
  try {
    const store = createSecretStore({namespace: storeId(db), env: {}, backend: createMemoryKeychain()})
    await addAlertTarget(sqliteHandle(db), ctx, {id: 'yms', format: 'standard', url, secrets: {secret: SECRET}}, store)
    db.write(() => {
      for (let i = 0; i < alertCount; i++) {
        const customer = `c${i % Math.max(1, Math.floor(alertCount / 10))}`
        raiseAlert(db, {
          event: 'balance_changed',
          subject: customer,
          customer,
          site: 'berlin',
          data: alertData(i),
          at: new Date().toISOString(),
        })
      }
    })
    const t0 = performance.now()
    const r = await flushAlerts(sqliteHandle(db), ctx, {secrets: store, concurrency: CONCURRENCY})
    const ms = performance.now() - t0
    if (r.delivered !== alertCount) throw new Error(`delivered ${r.delivered} of ${alertCount}`)
    return ms
  } finally {
    db.close()
  }
}

/** The floor: the same signed bodies POSTed with undici, CONCURRENCY at a time, nothing recorded. */
async function timeFloor(url: string): Promise<number> {
  const key = signingKey(SECRET)
  const agent = new Agent()
  const bodies = Array.from({length: alertCount}, (_, i) =>
    JSON.stringify({type: 'balance_changed', timestamp: new Date().toISOString(), data: alertData(i)}),
  )
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({length: CONCURRENCY}, async () => {
      while (next < bodies.length) {
        const i = next++
        const id = `msg_${i}`
        const timestamp = Math.floor(Date.now() / 1000)
        const res = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signatureHeader({id, timestamp, body: bodies[i]!}, [key]),
          },
          body: bodies[i],
        })
        await res.body.dump()
        if (res.statusCode !== 200) throw new Error(`floor: HTTP ${res.statusCode}`)
      }
    }),
  )
  const ms = performance.now() - t0
  await agent.close()
  return ms
}

function alertData(i: number): Record<string, unknown> {
  return {
    balances: [{currency: 'EUR', minor: 1000 + i, amount: `${10 + i / 100}`}],
    inBase: {currency: 'EUR', minor: 1000 + i, amount: `${10 + i / 100}`},
    transaction: {id: `bench:ch_${i}`, type: 'payment', status: 'succeeded'},
  }
}
