import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ScenarioCustomer} from '../../../src/sandbox/model.js'
import {runSync} from '../../../src/services/sync/sync.js'
import {retryOfPayment} from '../../../src/store/repos/retries.js'
import {chargesMade, emulatorWorld, type EmulatorWorld} from './emulator-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * Show (issue 13), against the emulators: the primary down -> the fallback recovers the payment, and the ledger
 * shows it once, under the fallback (also after the fallback's own sync brings the payment again); a fallback
 * without the grant for the customer's segment is never used.
 */
let offset = 0
const clock = {now: () => Date.now() + offset}
let world: EmulatorWorld
let granted: ScenarioCustomer
let denied: ScenarioCustomer

beforeAll(async () => {
  // The fallback may write one segment only: its customers get the fallback, the others never do.
  const seed = 21
  world = await emulatorWorld({
    kinds: ['stripe', 'square'],
    clock,
    seed,
    providers: [
      {id: 'acme-stripe', kind: 'stripe', fallback: 'acme-square', schedule: '1m', maxRetries: 3},
      {id: 'acme-square', kind: 'square', segments: ['retail']},
    ],
  })
  granted = world.scenario.customers.find((c) => c.segment === 'retail')!
  denied = world.scenario.customers.find((c) => c.segment !== 'retail')!
}, 60_000)
afterAll(async () => world?.close())

describe('fallback against the emulators', () => {
  let recovered: string
  let grantedFailure: string
  let deniedFailure: string

  it('the primary down: the fallback recovers the payment; the fallback without the grant is never used', async () => {
    grantedFailure = world.fail('acme-stripe', granted, {minor: 2_500, currency: 'USD'})
    deniedFailure = world.fail('acme-stripe', denied, {minor: 3_000, currency: 'USD'})
    await world.gateways.get('stripe')!.close() // the primary is down: nothing answers on its port
    offset += 61_000
    const run = await world.run()
    expect(run.turns.map((t) => [t.payment, t.action, t.route, t.status])).toEqual([
      [grantedFailure, 'sent', 'fallback', 'recovered'],
      [deniedFailure, 'waited', null, 'queued'],
    ])
    expect(run.turns[1]!.note).toMatch(
      new RegExp(`fallback acme-square not used: has no write grant for segment "${denied.segment}"`),
    )
    recovered = retryOfPayment(world.db, grantedFailure)!.recoveredTxn!
    expect(recovered).toMatch(/^acme-square:/)
    // The emulator's own record: one charge, for this customer's retry, and none for the other customer.
    const square = world.gateways.get('square')!
    const charges = chargesMade([square])
    expect(charges).toHaveLength(1)
    expect(`acme-square:${charges[0]!.chargeId}`).toBe(recovered)
    for (let i = 0; i < 4; i++) {
      offset += 61_000
      await world.run()
    }
    expect(retryOfPayment(world.db, deniedFailure)).toMatchObject({status: 'exhausted', slotsUsed: 3})
    const deniedRef = denied.refs.square
    expect(square.exchanges.filter((x) => x.method === 'POST' && x.body.includes(deniedRef))).toEqual([])
    expect(chargesMade([square])).toHaveLength(1)
  }, 60_000)

  it('the ledger shows the recovery once, under the fallback, also after the fallback’s own sync', async () => {
    // Every payment a retry made carries its retry key (Square keeps it in the note): those, and their postings.
    const credited = () =>
      world.db.raw
        .prepare(
          `SELECT p.txn_id, p.provider, SUM(p.amount_minor) AS minor FROM ledger_postings p
           JOIN transactions t ON t.id = p.txn_id
           WHERE p.account = ? AND (instr(t.metadata_json, 'ymsr-') > 0 OR t.id = ?) GROUP BY p.txn_id`,
        )
        .all(`customer:${granted.id}`, recovered)
    expect(credited()).toEqual([{txn_id: recovered, provider: 'acme-square', minor: -2_500}])
    const never = new AbortController().signal
    const sync = await runSync(sqliteHandle(world.db), world.ctx, {
      providers: ['acme-square'],
      signals: {stop: never, abort: never},
    })
    expect(sync.runs[0]!.status).toBe('ok')
    expect(credited()).toEqual([{txn_id: recovered, provider: 'acme-square', minor: -2_500}])
    const states = world.db.raw
      .prepare('SELECT source FROM transaction_states WHERE txn_id = ? ORDER BY version')
      .pluck()
      .all(recovered)
    expect(states[0]).toBe('retry')
    // Nothing of the retry reached the primary's books: its failed payment posts nothing, and there is no other.
    const primary = world.db.raw
      .prepare(`SELECT COUNT(*) FROM ledger_postings WHERE provider = 'acme-stripe'`)
      .pluck()
      .get()
    expect(primary).toBe(0)
  }, 60_000)
})
