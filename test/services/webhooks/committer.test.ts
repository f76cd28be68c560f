import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../../src/core/transaction.js'
import type {WebhookEvent} from '../../../src/gateways/types.js'
import {createCommitter} from '../../../src/services/webhooks/committer.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!()
})

function ledger(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'yms-committer-'))
  const db = openDatabase(join(dir, 'ledger.db'))
  cleanups.push(() => {
    db.close()
    rmSync(dir, {recursive: true, force: true})
  })
  return db
}

const signal = (n: number): WebhookEvent[] => [{kind: 'signal', name: 'ping', data: {n: String(n)}}]

/** A transaction the ledger's own CHECK refuses (a lower-case currency): applying it throws inside the group. */
const refusedByTheLedger: WebhookEvent[] = [
  {
    kind: 'txn',
    item: {
      raw: {},
      txn: {
        id: 'p:x',
        provider: 'p',
        kind: 'stripe',
        externalId: 'x',
        parentExternalId: null,
        type: 'fee',
        status: 'succeeded',
        amount: {minor: 5, currency: 'eur'},
        fee: null,
        net: null,
        customerRef: null,
        invoiceRef: null,
        siteRef: null,
        failure: null,
        occurredAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        metadata: {},
      } satisfies NormalizedTxn,
    },
  },
]

const delivery = (key: string, events: WebhookEvent[]) => ({
  provider: 'p',
  kind: 'stripe',
  dedupKey: key,
  events,
  body: Buffer.from(key),
  receivedAt: Date.now(),
})

describe('group commit', () => {
  it('deliveries submitted together share one transaction; each settles only after it committed', async () => {
    const db = ledger()
    const committed: number[] = []
    const committer = createCommitter(sqliteHandle(db), {actor: 't', onCommitted: (o) => committed.push(o.length)})
    const stored = () => db.raw.prepare('SELECT COUNT(*) FROM webhook_events').pluck().get() as number
    const settled = Array.from({length: 40}, (_, i) =>
      committer.submit(delivery(`k${i}`, signal(i))).then((outcome) => ({outcome, visible: stored()})),
    )
    expect(stored()).toBe(0) // nothing before the group runs
    const outcomes = await Promise.all(settled)
    expect(committed).toEqual([40])
    for (const {outcome, visible} of outcomes) {
      expect(outcome.status).toBe('applied')
      expect(visible).toBe(40)
    }
    expect(db.raw.prepare(`SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.received'`).pluck().get()).toBe(1)
  })

  it('one delivery that fails rolls back alone: the rest of its group commits', async () => {
    const db = ledger()
    const committer = createCommitter(sqliteHandle(db), {actor: 't'})
    const results = await Promise.allSettled([
      committer.submit(delivery('a', signal(1))),
      committer.submit(delivery('bad', refusedByTheLedger)),
      committer.submit(delivery('b', signal(2))),
      committer.submit(delivery('a', signal(1))),
    ])
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : 'rejected'))).toEqual([
      'applied',
      'rejected',
      'applied',
      'duplicate',
    ])
    expect(db.raw.prepare('SELECT dedup_key FROM webhook_events ORDER BY id').pluck().all()).toEqual(['a', 'b'])
    expect(db.raw.prepare('SELECT COUNT(*) FROM transactions').pluck().get()).toBe(0)
    await committer.drain()
    expect(committer.inFlight()).toBe(0)
  })

  it('a delivery applied before the one that failed is written once, its postings and history included', async () => {
    const db = ledger()
    const committer = createCommitter(sqliteHandle(db), {actor: 't'})
    const fee = structuredClone(refusedByTheLedger)
    const item = (fee[0] as Extract<WebhookEvent, {kind: 'txn'}>).item
    item.txn = {...item.txn, id: 'p:fee', externalId: 'fee', amount: {minor: 5, currency: 'EUR'}}
    const results = await Promise.allSettled([
      committer.submit(delivery('fee', fee)),
      committer.submit(delivery('bad', refusedByTheLedger)),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected'])
    const count = (table: string) => db.raw.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()
    expect(count('transactions')).toBe(1)
    expect(count('transaction_states')).toBe(1)
    expect(count(`sync_latency WHERE txn_id = 'p:fee'`)).toBe(1)
    const alone = ledger()
    await createCommitter(sqliteHandle(alone), {actor: 't'}).submit(delivery('fee', fee))
    const postings = (d: Db) => d.raw.prepare('SELECT account, amount_minor, currency FROM ledger_postings').all()
    expect(postings(db)).toEqual(postings(alone))
    expect(postings(db).length).toBeGreaterThan(0)
  })
})
