import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {generateScenario} from '../../../src/sandbox/generate.js'
import {importPaymentMethods} from '../../../src/services/retry/methods.js'
import {watchSync} from '../../../src/services/sync/watch.js'
import type {Db} from '../../../src/store/db.js'
import {createSyncWorld, type SyncWorld} from '../../helpers/sync-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * The watch loop executes due retries: a failed payment its own sync brings in is queued by the apply path and, once
 * due, retried on the loop's beat, without any `retry run`.
 */
let world: SyncWorld | undefined
let db: Db | undefined
afterAll(async () => {
  db?.close()
  await world?.close()
})

describe('sync --watch and retries', () => {
  it('queues the failures its sync brings, and retries the due ones on its own beat', async () => {
    const now = Date.now()
    const scenario = generateScenario({
      seed: 8,
      customers: 20,
      transactions: 120,
      start: new Date(now - 5 * 86_400_000).toISOString(),
      end: new Date(now - 2 * 3_600_000).toISOString(),
      gateways: ['stripe'],
    })
    world = await createSyncWorld({scenario, clock: {now: () => Date.now()}})
    db = world.open()
    const file = join(world.home, 'methods.csv')
    writeFileSync(
      file,
      [
        'customer,provider,payment_method',
        ...scenario.customers.map((c) => `${c.id},acme-stripe,${c.paymentMethods.stripe}`),
      ].join('\n'),
    )
    await importPaymentMethods(sqliteHandle(db), world.ctx, file)
    const notes: string[] = []
    const stop = new AbortController()
    const watching = watchSync(
      sqliteHandle(db),
      {...world.ctx, note: (m) => notes.push(m)},
      {
        intervalMs: 50,
        signals: {stop: stop.signal, abort: new AbortController().signal},
      },
    )
    const recovered = () =>
      db!.raw.prepare(`SELECT COUNT(*) FROM retries WHERE status = 'recovered'`).pluck().get() as number
    const deadline = Date.now() + 20_000
    while (recovered() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
    stop.abort()
    await watching
    expect(recovered()).toBeGreaterThan(0)
    expect(notes.some((n) => /^retries: \d+ due, \d+ sent, [1-9]\d* recovered/.test(n))).toBe(true)
    // Every recovery went through the one apply path: the new payment is in the ledger, from source `retry`.
    const sources = db.raw
      .prepare(
        `SELECT DISTINCT s.source FROM retries r JOIN transaction_states s ON s.txn_id = r.recovered_txn AND s.version = 1 WHERE r.status = 'recovered'`,
      )
      .pluck()
      .all()
    expect(sources).toEqual(['retry'])
  }, 30_000)
})
