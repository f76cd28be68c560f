import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type Ops, run, values, write} from '../../../src/store/ops/op.js'
import {type LedgerHandle, storeHandle} from '../../../src/store/ops/ledger-handle.js'
import {runAsync} from '../../../src/store/ops/run-async.js'
import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {
  deleteAlertTarget,
  getAlertTarget,
  insertAlertTarget,
  listAlertTargets,
  setAlertTargetEnabled,
  setAlertTargetUrl,
  setRotationEnd,
  targetsFor,
} from '../../../src/store/repos/alerts.js'
import {customerAccountMoved} from '../../../src/store/repos/alerts-balance.js'
import {clearCondition, getCondition, putCondition} from '../../../src/store/repos/alerts-conditions.js'
import {
  alertsOverview,
  dueDeliveries,
  insertDeliveries,
  insertOutbox,
  markAttemptFailed,
  markDelivered,
  nextDueAt,
  noteAnswer,
  type OutboxWrite,
  pendingDeliveries,
  pruneSettled,
  targetBacklog,
} from '../../../src/store/repos/alerts-outbox.js'
import {
  awaitingChildren,
  closeQuarantined,
  countOpenQuarantine,
  openQuarantineOf,
  listQuarantine,
  openHeldState,
  openQuarantineReason,
  quarantine,
} from '../../../src/store/repos/quarantine.js'
import {keepSkipped, listSkipped, type SkippedWrite} from '../../../src/store/repos/skipped.js'
import {
  commitCount,
  commitMsAtRanks,
  countRedelivery,
  dueFetches,
  findWebhookEvent,
  getWebhookEvent,
  insertWebhookEvent,
  listWebhookEvents,
  nextFetchAt,
  recordFetch,
  restartFetch,
  webhookEventBody,
  type WebhookEventWrite,
} from '../../../src/store/repos/webhook-events.js'
import {pgStore} from '../../../src/store/seam/pg-store.js'
import type {Store} from '../../../src/store/seam/store.js'
import {testPostgres} from '../../helpers/postgres.js'
import {steppingClock} from '../helpers.js'
import {type HandleUnderTest, handleEngines} from '../ops/engines.js'

const postgres = await testPostgres()

const T0 = '2024-05-01T10:00:00.000Z'
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString()
const BIG = 2 ** 53 - 1

function alert(n: number, over: Partial<OutboxWrite> = {}): OutboxWrite {
  return {
    messageId: `msg_${n}`,
    event: 'balance.changed',
    subject: `customer:c${n}`,
    provider: 'p1',
    customer: `c${n}`,
    site: null,
    orderKey: `customer:c${n}`,
    dedupKey: null,
    payload: JSON.stringify({n, note: 'Grüße 🚀'}),
    raisedAt: at(n),
    ...over,
  }
}

function event(dedupKey: string, over: Partial<WebhookEventWrite> = {}): WebhookEventWrite {
  return {
    provider: 'p1',
    dedupKey,
    receivedAt: T0,
    committedAt: T0,
    commitMs: 5,
    status: 'fetching',
    summary: `evt ${dedupKey}`,
    eventsJson: '[]',
    body: Buffer.from(dedupKey),
    appliedJson: '{}',
    nextFetchAt: T0,
    ...over,
  }
}

function held(externalId: string | null, updatedAt: string | null, over: Record<string, unknown> = {}) {
  return {
    provider: 'p1',
    externalId,
    reason: 'awaiting_parent' as const,
    detail: `state at ${updatedAt}`,
    rawJson: JSON.stringify({id: externalId, updatedAt}),
    normalizedJson: updatedAt === null ? null : JSON.stringify({updatedAt, ...over}),
    source: 'pull',
  }
}

function skipped(externalId: string | null, rawJson: string, over: Partial<SkippedWrite> = {}): SkippedWrite {
  return {provider: 'p1', externalId, code: 'zero_amount', reason: 'nothing moved', rawJson, source: 'pull', ...over}
}

/** A constraint refusal, caught inside a savepoint as a caller must: its code, whichever engine refused. */
function* refusal(body: Ops<unknown>): Ops<string> {
  try {
    yield* write(body)
  } catch (error) {
    return String((error as {code?: unknown}).code)
  }
  return 'not refused'
}

describe.each(handleEngines(postgres))('the alerts group on $engine', ({engine: kind, skip, open}) => {
  let ledger: HandleUnderTest
  let handle: LedgerHandle
  beforeEach(async () => {
    if (skip !== undefined) return
    ledger = await open(steppingClock(Date.parse('2024-06-01T00:00:00.000Z')))
    handle = ledger.handle
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })

  describe.skipIf(skip !== undefined)('', () => {
    it('keeps alert targets: byte order of ids, event lists, enabling, rotation, URL, deletion', async () => {
      await handle.write(
        (function* () {
          yield* insertAlertTarget.ops({
            id: 'b-target',
            url: 'https://b.example/hook',
            format: 'standard',
            events: ['a'],
          })
          yield* insertAlertTarget.ops(
            {id: 'A.target', url: 'https://ä.example/hóok', format: 'slack', events: ['a', 'b']},
            '2024-01-01T00:00:00.000Z',
          )
          yield* insertAlertTarget.ops({id: 'a_target', url: 'https://a.example', format: 'standard', events: ['b']})
        })(),
      )
      expect(await handle.read(getAlertTarget.ops('nowhere'))).toBeNull()
      expect(await handle.read(getAlertTarget.ops('A.target'))).toEqual({
        id: 'A.target',
        url: 'https://ä.example/hóok',
        format: 'slack',
        events: ['a', 'b'],
        enabled: true,
        disabledReason: null,
        rotationEndsAt: null,
        createdAt: '2024-01-01T00:00:00.000Z',
        updatedAt: '2024-01-01T00:00:00.000Z',
      })
      // Upper case before lower, '.' before '_' before letters: bytes, whatever the server's locale.
      expect((await handle.read(listAlertTargets.ops())).map((t) => t.id)).toEqual(['A.target', 'a_target', 'b-target'])
      expect(await handle.read(targetsFor.ops('a'))).toEqual(['A.target', 'b-target'])

      const changed = await handle.write(
        (function* () {
          return [
            yield* setAlertTargetEnabled.ops('b-target', false, 'receiver answered 410'),
            yield* setAlertTargetEnabled.ops('nowhere', false, 'no such target'),
          ]
        })(),
      )
      expect(changed).toEqual([true, false])
      expect(await handle.read(targetsFor.ops('a'))).toEqual(['A.target'])
      const disabled = await handle.read(getAlertTarget.ops('b-target'))
      expect(disabled).toMatchObject({enabled: false, disabledReason: 'receiver answered 410'})
      expect(disabled!.updatedAt > disabled!.createdAt).toBe(true)

      await handle.write(
        (function* () {
          yield* setAlertTargetEnabled.ops('b-target', true, 'ignored when enabling')
          yield* setRotationEnd.ops('a_target', '2024-07-01T00:00:00.000Z')
          yield* setAlertTargetUrl.ops('a_target', 'https://a.example/new')
        })(),
      )
      expect(await handle.read(getAlertTarget.ops('b-target'))).toMatchObject({enabled: true, disabledReason: null})
      expect(await handle.read(getAlertTarget.ops('a_target'))).toMatchObject({
        url: 'https://a.example/new',
        rotationEndsAt: '2024-07-01T00:00:00.000Z',
      })
      await handle.write(setRotationEnd.ops('a_target', null))
      expect((await handle.read(getAlertTarget.ops('a_target')))?.rotationEndsAt).toBeNull()

      expect(
        await handle.write(
          (function* () {
            return [yield* deleteAlertTarget.ops('a_target'), yield* deleteAlertTarget.ops('a_target')]
          })(),
        ),
      ).toEqual([true, false])
      expect((await handle.read(listAlertTargets.ops())).map((t) => t.id)).toEqual(['A.target', 'b-target'])
    })

    it('numbers alerts, refuses a dedup key twice (null keys never), and queues one delivery per target', async () => {
      const seqs = await handle.write(
        (function* () {
          yield* insertAlertTarget.ops({id: 't1', url: 'https://t1', format: 'standard', events: ['a']})
          yield* insertAlertTarget.ops({id: 't2', url: 'https://t2', format: 'standard', events: ['a']})
          const first = yield* insertOutbox.ops(alert(1, {dedupKey: 'once'}))
          const again = yield* insertOutbox.ops(alert(2, {dedupKey: 'once'}))
          const free1 = yield* insertOutbox.ops(alert(3))
          const free2 = yield* insertOutbox.ops(alert(4))
          if (first !== null) yield* insertDeliveries.ops(first, ['t1', 't2'], 'customer:c1', T0)
          yield* insertDeliveries.ops(free1!, [], 'customer:c3', T0)
          return {first, again, free1, free2}
        })(),
      )
      expect(seqs.first).toBeTypeOf('number')
      expect(seqs.again).toBeNull()
      // The refused alert used up a number on both engines (SQLite's AUTOINCREMENT as PostgreSQL's sequence).
      expect([seqs.free1! - seqs.first!, seqs.free2! - seqs.first!]).toEqual([2, 3])
      expect(await handle.read(pendingDeliveries.ops())).toEqual({enabled: 2, all: 2})
      const payload = await handle.read(values<string>('SELECT payload FROM alerts_outbox WHERE seq = ?', [seqs.first]))
      expect(JSON.parse(payload[0]!)).toEqual({n: 1, note: 'Grüße 🚀'})

      // A delivery queued twice for one target is a primary-key refusal, caught in its savepoint.
      const code = await handle.write(refusal(insertDeliveries.ops(seqs.first!, ['t1'], 'customer:c1', T0)))
      expect(code).toBe(kind === 'sqlite' ? 'SQLITE_CONSTRAINT_PRIMARYKEY' : '23505')
      expect(await handle.read(pendingDeliveries.ops())).toEqual({enabled: 2, all: 2})
    })

    it('hands out the heads of each target and order key, due, to enabled targets, in raise order', async () => {
      const seq = await handle.write(
        (function* () {
          for (const id of ['t1', 't2', 'off'])
            yield* insertAlertTarget.ops({id, url: `https://${id}`, format: 'standard', events: ['a']})
          yield* setAlertTargetEnabled.ops('off', false, 'gone')
          const s: number[] = []
          for (let n = 1; n <= 6; n++) s[n] = (yield* insertOutbox.ops(alert(n)))!
          yield* insertDeliveries.ops(s[1]!, ['t1', 't2'], 'key:A', at(0)) // heads of (t1, A) and (t2, A)
          yield* insertDeliveries.ops(s[2]!, ['t1'], 'key:A', at(0)) // behind s1 for t1
          yield* insertDeliveries.ops(s[3]!, ['t1'], 'key:B', at(60)) // a head, not due yet
          yield* insertDeliveries.ops(s[4]!, ['t1'], 'key:B', at(0)) // due, but behind s3
          yield* insertDeliveries.ops(s[5]!, ['off'], 'key:C', at(0)) // a disabled target's
          yield* insertDeliveries.ops(s[6]!, ['t2'], 'key:D', at(0))
          return s
        })(),
      )
      const ids = (rows: Array<{seq: number; targetId: string}>) =>
        rows.map((r) => `${r.seq - seq[1]! + 1}/${r.targetId}`).sort()
      expect(await handle.read(nextDueAt.ops())).toBe(at(0))

      const due = await handle.write(dueDeliveries.ops(at(30), 10))
      expect(ids(due)).toEqual(['1/t1', '1/t2', '6/t2'])
      expect(due.map((d) => d.seq)).toEqual([...due.map((d) => d.seq)].sort((a, b) => a - b))
      expect(due.find((d) => d.targetId === 't1')).toEqual({
        seq: seq[1],
        targetId: 't1',
        attempts: 0,
        messageId: 'msg_1',
        event: 'balance.changed',
        payload: JSON.stringify({n: 1, note: 'Grüße 🚀'}),
        raisedAt: at(1),
      })
      if (kind === 'sqlite') {
        expect(ids(await handle.write(dueDeliveries.ops(at(30), 10, ['t2'])))).toEqual(['1/t1'])
        expect(ids(await handle.write(dueDeliveries.ops(at(30), 1)))).toEqual(['1/t1'])
        expect(await handle.write(dueDeliveries.ops(at(30), 10, [], 1))).toHaveLength(3)
      } else {
        // PostgreSQL's hands are claims: taken, they are nobody's until recorded or lapsed; those behind wait.
        expect(await handle.write(dueDeliveries.ops(at(30), 10))).toEqual([])
        expect(await handle.read(nextDueAt.ops())).toBe(at(60))
      }

      // Delivered: the next of (t1, A) is the head. Failed with a retry: its key waits for the retry.
      await handle.write(
        (function* () {
          yield* markDelivered.ops(seq[1]!, 't1', {at: at(31), status: 200, error: null})
          yield* markAttemptFailed.ops(seq[1]!, 't2', {at: at(31), status: 503, error: 'busy', nextAt: at(90)})
          yield* markAttemptFailed.ops(seq[6]!, 't2', {at: at(32), status: null, error: 'refused', nextAt: null})
        })(),
      )
      expect(ids(await handle.write(dueDeliveries.ops(at(61), 10)))).toEqual(['2/t1', '3/t1'])
      // A status already recorded is not recorded again.
      await handle.write(markDelivered.ops(seq[6]!, 't2', {at: at(33), status: 200, error: null}))

      expect(await handle.read(targetBacklog.ops('t2'))).toEqual({
        pending: 1,
        delivered: 0,
        failed: 1,
        oldestPendingAt: at(1),
        lastError: 'refused',
        lastAttemptAt: at(32),
      })
      expect(await handle.read(targetBacklog.ops('t1'))).toMatchObject({pending: 3, delivered: 1, failed: 0})
      expect(await handle.read(targetBacklog.ops('nobody'))).toEqual({
        pending: 0,
        delivered: 0,
        failed: 0,
        oldestPendingAt: null,
        lastError: null,
        lastAttemptAt: null,
      })
      expect(await handle.read(pendingDeliveries.ops())).toEqual({enabled: 4, all: 5})
      expect(await handle.read(alertsOverview.ops())).toEqual({
        targets: 3,
        disabled: ['off'],
        pending: 4,
        oldestPendingAt: at(1),
        failed: 1,
      })

      // An answer that is no attempt: recorded, counted nowhere.
      await handle.write(noteAnswer.ops(seq[1]!, 't2', {at: at(40), status: 410, error: 'gone'}))
      expect(await handle.read(targetBacklog.ops('t2'))).toMatchObject({
        pending: 1,
        lastError: 'gone',
        lastAttemptAt: at(40),
      })

      // Settled alerts raised before the cut go, with their deliveries; one with a delivery pending stays.
      expect(await handle.write(pruneSettled.ops(at(7)))).toBe(1) // s6: its only delivery failed
      expect(await handle.read(pendingDeliveries.ops())).toEqual({enabled: 4, all: 5})
      expect((await handle.read(targetBacklog.ops('t2'))).failed).toBe(0)
      await handle.write(deleteAlertTarget.ops('t1'))
      expect(await handle.read(pendingDeliveries.ops())).toEqual({enabled: 1, all: 2})
    })

    it('counts nothing as zero and knows no due time with nothing queued', async () => {
      expect(await handle.read(pendingDeliveries.ops())).toEqual({enabled: 0, all: 0})
      expect(await handle.read(nextDueAt.ops())).toBeNull()
      expect(await handle.read(alertsOverview.ops())).toEqual({
        targets: 0,
        disabled: [],
        pending: 0,
        oldestPendingAt: null,
        failed: 0,
      })
      expect(await handle.write(dueDeliveries.ops(T0, 10))).toEqual([])
      expect(await handle.write(pruneSettled.ops(T0))).toBe(0)
    })

    it('tells whether a transaction moved a customer account at a time', async () => {
      await handle.write(
        (function* () {
          yield* run(
            `INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, occurred_at,
               updated_at, version, raw_json, first_seen_at, last_seen_at)
             VALUES ('p1:ch_1', 'p1', 'stripe', 'ch_1', 'payment', 'succeeded', ?, 'EUR', ?, ?, 1, '{}', ?, ?)`,
            [BIG, T0, T0, T0, T0],
          )
          const seq = yield* values<number>(`SELECT seq FROM transactions WHERE id = 'p1:ch_1'`)
          for (const [account, minor, postedAt] of [
            ['customer:ü1', BIG, at(1)],
            ['clearing:p1', -BIG, at(1)],
            ['fees:p1', 3, at(2)],
            ['clearing:p1', -3, at(2)],
          ] as const)
            yield* run(
              `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, posted_at)
               VALUES (?, 'p1:ch_1', ?, ?, ?, 'EUR', ?)`,
              [seq[0], postedAt === at(1) ? 1 : 2, account, minor, postedAt],
            )
        })(),
      )
      const moved = await handle.read(
        (function* () {
          return [
            yield* customerAccountMoved.ops('p1:ch_1', 'ü1', at(1)),
            yield* customerAccountMoved.ops('p1:ch_1', 'ü1', at(2)),
            yield* customerAccountMoved.ops('p1:ch_1', 'Ü1', at(1)),
            yield* customerAccountMoved.ops('p1:ch_2', 'ü1', at(1)),
          ]
        })(),
      )
      expect(moved).toEqual([true, false, false, false])
    })

    it('keeps alert conditions: none, put, replaced whole, cleared', async () => {
      expect(await handle.read(getCondition.ops('gateway:p1'))).toBeNull()
      const first = {key: 'gateway:p1', state: 'down', since: at(1), changedAt: at(1), detail: 'Zeitüberschreitung ⏱'}
      await handle.write(putCondition.ops(first))
      expect(await handle.read(getCondition.ops('gateway:p1'))).toEqual(first)
      const second = {key: 'gateway:p1', state: 'degraded', since: at(1), changedAt: at(5), detail: null}
      await handle.write(putCondition.ops(second))
      expect(await handle.read(getCondition.ops('gateway:p1'))).toEqual(second)
      await handle.write(
        (function* () {
          yield* clearCondition.ops('gateway:p1')
          yield* clearCondition.ops('never:there')
        })(),
      )
      expect(await handle.read(getCondition.ops('gateway:p1'))).toBeNull()
    })

    it('stores webhook events: ids, exact bytes, redeliveries, a key refused twice, filters, newest first', async () => {
      const body = Buffer.from([0x00, 0xff, 0x7b, 0x80, 0x0a, 0xc3])
      const ids = await handle.write(
        (function* () {
          return [
            yield* insertWebhookEvent.ops(event('evt_1', {body, commitMs: 12.6, summary: 'Zahlung ✓'})),
            yield* insertWebhookEvent.ops(event('evt_2', {provider: 'p2', status: 'applied', nextFetchAt: null})),
            yield* insertWebhookEvent.ops(event('evt_3', {commitMs: -4, status: 'failed', nextFetchAt: null})),
            yield* insertWebhookEvent.ops(event('evt_4', {commitMs: BIG})),
          ]
        })(),
      )
      expect(ids.map((id) => id - ids[0]!)).toEqual([0, 1, 2, 3])
      expect(await handle.read(findWebhookEvent.ops('p1', 'evt_1'))).toBe(ids[0])
      expect(await handle.read(findWebhookEvent.ops('p2', 'evt_1'))).toBeUndefined()
      expect(await handle.write(refusal(insertWebhookEvent.ops(event('evt_1'))))).toBe(
        kind === 'sqlite' ? 'SQLITE_CONSTRAINT_UNIQUE' : '23505',
      )
      expect(Buffer.compare((await handle.read(webhookEventBody.ops(ids[0]!)))!, body)).toBe(0)
      expect(await handle.read(webhookEventBody.ops(-1))).toBeUndefined()

      await handle.write(countRedelivery.ops(ids[0]!, at(9)))
      expect(await handle.read(getWebhookEvent.ops(ids[0]!))).toEqual({
        id: ids[0],
        provider: 'p1',
        dedupKey: 'evt_1',
        receivedAt: T0,
        committedAt: T0,
        commitMs: 13,
        deliveries: 2,
        lastDeliveryAt: at(9),
        status: 'fetching',
        summary: 'Zahlung ✓',
        eventsJson: '[]',
        appliedJson: '{}',
        fetchAttempts: 0,
        nextFetchAt: T0,
        error: null,
      })
      expect((await handle.read(getWebhookEvent.ops(ids[2]!)))?.commitMs).toBe(0)
      expect((await handle.read(getWebhookEvent.ops(ids[3]!)))?.commitMs).toBe(BIG)
      expect(await handle.read(getWebhookEvent.ops(-1))).toBeUndefined()

      const listed = async (filter: Parameters<typeof listWebhookEvents.ops>[0]) =>
        (await handle.read(listWebhookEvents.ops(filter))).map((e) => e.dedupKey)
      expect(await listed({limit: 10})).toEqual(['evt_4', 'evt_3', 'evt_2', 'evt_1'])
      expect(await listed({limit: 2})).toEqual(['evt_4', 'evt_3'])
      expect(await listed({provider: 'p1', limit: 10})).toEqual(['evt_4', 'evt_3', 'evt_1'])
      expect(await listed({status: 'fetching', limit: 10})).toEqual(['evt_4', 'evt_1'])
      expect(await listed({provider: 'p2', status: 'fetching', limit: 10})).toEqual([])
      expect(await listed({provider: 'p2', status: 'applied', limit: 10})).toEqual(['evt_2'])
    })

    it('finds the events whose reading is due, oldest first, and records how a reading went', async () => {
      const ids = await handle.write(
        (function* () {
          const made: number[] = []
          for (const [key, next, status] of [
            ['e1', at(20), 'fetching'],
            ['e2', at(10), 'fetching'],
            ['e3', at(10), 'fetching'], // the same time as e2: after it, by id
            ['e4', at(40), 'fetching'], // not due yet
            ['e5', null, 'applied'],
            ['e6', at(5), 'failed'],
          ] as const)
            made.push(yield* insertWebhookEvent.ops(event(key, {nextFetchAt: next, status})))
          return made
        })(),
      )
      expect(await handle.read(nextFetchAt.ops())).toBe(at(10))
      const due = await handle.write(dueFetches.ops(at(30), 10))
      expect(due.map((e) => e.dedupKey)).toEqual(['e2', 'e3', 'e1'])
      expect(due[0]).toMatchObject({id: ids[1], nextFetchAt: at(10), fetchAttempts: 0, status: 'fetching'})
      if (kind === 'sqlite') {
        expect((await handle.write(dueFetches.ops(at(30), 2))).map((e) => e.dedupKey)).toEqual(['e2', 'e3'])
        expect(await handle.read(nextFetchAt.ops())).toBe(at(10))
      } else {
        expect(await handle.write(dueFetches.ops(at(30), 10))).toEqual([])
        // Claimed for the default ten minutes: the next due is the one nobody claimed.
        expect(await handle.read(nextFetchAt.ops())).toBe(at(40))
      }

      await handle.write(
        (function* () {
          yield* recordFetch.ops(ids[1]!, {status: 'applied', appliedJson: '{"n":1}', nextFetchAt: null, error: null})
          yield* recordFetch.ops(ids[2]!, {status: 'fetching', appliedJson: '{}', nextFetchAt: at(35), error: 'ö 502'})
          yield* recordFetch.ops(ids[0]!, {status: 'failed', appliedJson: '{}', nextFetchAt: null, error: 'gave up'})
        })(),
      )
      expect(await handle.read(getWebhookEvent.ops(ids[2]!))).toMatchObject({
        status: 'fetching',
        fetchAttempts: 1,
        nextFetchAt: at(35),
        error: 'ö 502',
      })
      expect((await handle.write(dueFetches.ops(at(50), 10))).map((e) => e.dedupKey)).toEqual(['e3', 'e4'])

      await handle.write(restartFetch.ops(ids[0]!, at(1)))
      expect(await handle.read(getWebhookEvent.ops(ids[0]!))).toMatchObject({
        status: 'fetching',
        fetchAttempts: 0,
        nextFetchAt: at(1),
        error: null,
      })
      expect((await handle.write(dueFetches.ops(at(1), 10))).map((e) => e.dedupKey)).toEqual(['e1'])
      await handle.write(
        (function* () {
          for (const id of ids)
            yield* recordFetch.ops(id, {status: 'applied', appliedJson: '{}', nextFetchAt: null, error: null})
        })(),
      )
      expect(await handle.read(nextFetchAt.ops())).toBeNull()
    })

    it('counts the events of a window and reads commit times at ranks', async () => {
      await handle.write(
        (function* () {
          let n = 0
          for (const [provider, received, ms] of [
            ['p1', at(0), 40],
            ['p1', at(1), 10],
            ['p2', at(2), 30],
            ['p1', at(3), 10], // ties with the second: ranked after it, by id
            ['p1', at(4), BIG],
            ['p1', at(10), 1], // outside the window
          ] as const)
            yield* insertWebhookEvent.ops(event(`w${++n}`, {provider, receivedAt: received, commitMs: ms}))
        })(),
      )
      const w = {since: at(0), until: at(10)}
      expect(await handle.read(commitCount.ops(w))).toBe(5)
      expect(await handle.read(commitCount.ops(w, 'p1'))).toBe(4)
      expect(await handle.read(commitCount.ops({since: at(1), until: at(1)}))).toBe(0)
      expect(await handle.read(commitMsAtRanks.ops(w, [1, 2, 3, 4, 5, 5, 99]))).toEqual(
        new Map([
          [1, 10],
          [2, 10],
          [3, 30],
          [4, 40],
          [5, BIG],
        ]),
      )
      expect(await handle.read(commitMsAtRanks.ops(w, [4, 1], 'p1'))).toEqual(
        new Map([
          [1, 10],
          [4, BIG],
        ]),
      )
      expect(await handle.read(commitMsAtRanks.ops(w, []))).toEqual(new Map())
      expect(await handle.read(commitMsAtRanks.ops(w, [1], 'nobody'))).toEqual(new Map())
    })

    it('keeps one open quarantine item per object, holding its newest state by updatedAt', async () => {
      const state = async () => (await handle.read(openHeldState.ops('p1', 're_1')))?.normalizedJson ?? null
      const put = (updatedAt: string | null) => handle.write(quarantine.ops(held('re_1', updatedAt)))
      const updatedAt = async () => {
        const json = await state()
        return json === null ? null : (JSON.parse(json) as {updatedAt: string}).updatedAt
      }
      await put('2024-05-01T10:00:05Z')
      // Half a second later: newer as a time, though smaller as text ('.' sorts before 'Z').
      await put('2024-05-01T10:00:05.5Z')
      expect(await updatedAt()).toBe('2024-05-01T10:00:05.5Z')
      await put('2024-05-01T10:00:04.999Z') // older: kept out
      expect(await updatedAt()).toBe('2024-05-01T10:00:05.5Z')
      await put('2024-05-01T10:00:05.500Z') // the same instant: the later delivery wins
      expect(await updatedAt()).toBe('2024-05-01T10:00:05.500Z')
      const [item] = await handle.read(listQuarantine.ops({provider: 'p1'}))
      expect(item).toMatchObject({seenCount: 4, detail: 'state at 2024-05-01T10:00:05.500Z', status: 'open'})
      expect(item!.updatedAt > item!.createdAt).toBe(true)

      // An invalid payload carries no time: it replaces whatever is held, and anything replaces it.
      await put(null)
      expect(await state()).toBeNull()
      expect((await handle.read(listQuarantine.ops({})))[0]?.rawJson).toBe(
        JSON.stringify({id: 're_1', updatedAt: null}),
      )
      await put('2001-01-01T00:00:00Z')
      expect(await updatedAt()).toBe('2001-01-01T00:00:00Z')
      // Nor is what only looks like a time one (month 13), on either engine: no error, and no time.
      await put('2024-13-45T10:00:00Z')
      expect(await updatedAt()).toBe('2024-13-45T10:00:00Z')
      await put('1999-01-01T00:00:00Z')
      expect(await updatedAt()).toBe('1999-01-01T00:00:00Z')
      expect((await handle.read(listQuarantine.ops({})))[0]?.seenCount).toBe(8)

      // Closed, the object may be held again: a new item.
      await handle.write(closeQuarantined.ops('p1', 're_1', 'replayed'))
      expect(await state()).toBeNull()
      expect(await handle.read(openQuarantineReason.ops('p1', 're_1'))).toBeNull()
      await put('2024-05-02T00:00:00Z')
      const items = await handle.read(listQuarantine.ops({}))
      expect(items.map((i) => [i.status, i.seenCount])).toEqual([
        ['replayed', 8],
        ['open', 1],
      ])
      // Objects without an id are never merged.
      await handle.write(quarantine.ops(held(null, null)))
      await handle.write(quarantine.ops(held(null, null)))
      expect(await handle.read(countOpenQuarantine.ops())).toEqual([{provider: 'p1', reason: 'awaiting_parent', n: 3}])
    })

    it('answers what is held and why, and finds the children waiting for a payment', async () => {
      expect(await handle.read(openQuarantineOf.ops('p1'))).toEqual({anyOpen: false, awaiting: false})
      await handle.write(
        (function* () {
          yield* quarantine.ops(held('re_2', T0, {parentExternalId: 'ch_ü'}))
          yield* quarantine.ops(held('re_1', T0, {parentExternalId: 'ch_ü'}))
          yield* quarantine.ops(held('re_3', T0, {parentExternalId: 'CH_Ü'}))
          yield* quarantine.ops({...held('dp_1', T0, {parentExternalId: 'ch_ü'}), reason: 'invalid_payload'})
          yield* quarantine.ops({...held('re_9', T0, {parentExternalId: 'ch_ü'}), provider: 'p2'})
          yield* quarantine.ops({...held('dp_4', T0), provider: 'p4', reason: 'invalid_payload'})
        })(),
      )
      expect(await handle.read(openQuarantineOf.ops('p1'))).toEqual({anyOpen: true, awaiting: true})
      expect(await handle.read(openQuarantineOf.ops('p4'))).toEqual({anyOpen: true, awaiting: false})
      expect(await handle.read(openQuarantineOf.ops('p3'))).toEqual({anyOpen: false, awaiting: false})
      expect(await handle.read(openQuarantineReason.ops('p1', 'dp_1'))).toBe('invalid_payload')
      expect(await handle.read(openQuarantineReason.ops('p1', 'nope'))).toBeNull()
      const children = await handle.read(awaitingChildren.ops('p1', 'ch_ü'))
      expect(children.map((c) => (JSON.parse(c.rawJson) as {id: string}).id)).toEqual(['re_2', 're_1'])
      expect(JSON.parse(children[0]!.normalizedJson)).toEqual({updatedAt: T0, parentExternalId: 'ch_ü'})
      expect(await handle.read(awaitingChildren.ops('p1', 'ch_'))).toEqual([])
      expect(await handle.read(openHeldState.ops('p1', 'nope'))).toBeNull()

      await handle.write(
        (function* () {
          yield* closeQuarantined.ops('p1', 're_2', 'resolved')
          yield* closeQuarantined.ops('p1', 're_3', 'resolved')
        })(),
      )
      expect(await handle.read(awaitingChildren.ops('p1', 'ch_ü'))).toHaveLength(1)
      expect(await handle.read(countOpenQuarantine.ops())).toEqual([
        {provider: 'p1', reason: 'awaiting_parent', n: 1},
        {provider: 'p1', reason: 'invalid_payload', n: 1},
        {provider: 'p2', reason: 'awaiting_parent', n: 1},
        {provider: 'p4', reason: 'invalid_payload', n: 1},
      ])
    })

    it('lists quarantine items by status, provider, reason, ids and limit, in either order', async () => {
      const ids = await handle.write(
        (function* () {
          for (const [id, provider] of [
            ['a', 'p1'],
            ['b', 'p2'],
            ['c', 'p1'],
            ['d', 'p1'],
          ])
            yield* quarantine.ops({...held(id!, T0), provider: provider!})
          yield* quarantine.ops(held('a', at(1))) // touched again: the most recent
          yield* closeQuarantined.ops('p1', 'd', 'resolved')
          return yield* values<number>('SELECT id FROM quarantine ORDER BY id')
        })(),
      )
      const listed = async (filter: Parameters<typeof listQuarantine.ops>[0]) =>
        (await handle.read(listQuarantine.ops(filter))).map((i) => i.externalId)
      expect(await listed({})).toEqual(['a', 'b', 'c', 'd'])
      expect(await listed({order: 'recent'})).toEqual(['d', 'a', 'c', 'b'])
      expect(await listed({status: 'open'})).toEqual(['a', 'b', 'c'])
      expect(await listed({status: 'open', provider: 'p1', reason: 'awaiting_parent'})).toEqual(['a', 'c'])
      expect(await listed({reason: 'invalid_payload'})).toEqual([])
      expect(await listed({ids: [ids[2]!, ids[0]!, 424242]})).toEqual(['a', 'c'])
      expect(await listed({ids: []})).toEqual(['a', 'b', 'c', 'd'])
      expect(await listed({limit: 2})).toEqual(['a', 'b'])
      expect(await listed({limit: 0})).toEqual([])
      expect(await listed({limit: -1})).toEqual(['a', 'b', 'c', 'd'])
      expect(await listed({provider: 'p1', limit: 1, order: 'recent'})).toEqual(['d'])
    })

    it('keeps skipped objects once each, by id or by payload, most recently seen first', async () => {
      await handle.write(
        (function* () {
          yield* keepSkipped.ops([skipped('in_1', '{"id":"in_1"}'), skipped(null, '{"x":"ü"}')], at(1))
          yield* keepSkipped.ops([
            skipped('in_1', '{"id":"in_1","v":2}', {code: 'test_mode', reason: 'a test object', source: 'webhook'}),
            skipped(null, '{"x":"ü"}'),
            skipped(null, '{"x":"u"}', {provider: 'p2'}),
          ])
          yield* keepSkipped.ops([])
        })(),
      )
      const items = await handle.read(listSkipped.ops())
      expect(items.map((i) => [i.provider, i.externalId, i.seenCount, i.code])).toEqual([
        ['p2', null, 1, 'zero_amount'],
        ['p1', null, 2, 'zero_amount'],
        ['p1', 'in_1', 2, 'test_mode'],
      ])
      expect(items[2]).toMatchObject({rawJson: '{"id":"in_1","v":2}', source: 'webhook', firstSeenAt: at(1)})
      expect(items[2]!.lastSeenAt > at(1)).toBe(true)
      expect(items[0]!.lastSeenAt).toBe(items[1]!.lastSeenAt)
      expect(items[0]!.id > items[1]!.id).toBe(true)

      const listed = async (filter: Parameters<typeof listSkipped.ops>[0]) =>
        (await handle.read(listSkipped.ops(filter))).map((i) => i.externalId ?? i.rawJson)
      expect(await listed({provider: 'p1'})).toEqual(['{"x":"ü"}', 'in_1'])
      expect(await listed({code: 'test_mode'})).toEqual(['in_1'])
      expect(await listed({reason: 'nothing moved', provider: 'p2'})).toEqual(['{"x":"u"}'])
      expect(await listed({limit: 1})).toEqual(['{"x":"u"}'])
      expect(await listed({limit: 0})).toEqual([])
      expect(await listed({limit: -1})).toHaveLength(3)
    })
  })
})

/**
 * Two hosts on one PostgreSQL ledger: two pools on the same database, each claiming due work. Neither may get a row
 * the other has, whether their claims overlap in time or follow one another.
 */
describe.skipIf(postgres.skip !== undefined)('claims by several hosts on PostgreSQL', () => {
  let stores: Store[] = []
  let hosts: LedgerHandle[] = []
  beforeEach(async () => {
    if (postgres.skip !== undefined) return
    const database = await postgres.freshDatabase()
    await runPgMigrations(await database.connect(), PG_MIGRATIONS, database.name)
    stores = [pgStore(database.connection), pgStore(database.connection)]
    hosts = stores.map((store) => storeHandle(store, steppingClock()))
  })
  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()))
  })

  const DUE_AT = at(100)

  async function seed(n: number): Promise<void> {
    await hosts[0]!.write(
      (function* () {
        yield* insertAlertTarget.ops({id: 't1', url: 'https://t1', format: 'standard', events: ['a']})
        yield* insertAlertTarget.ops({id: 't2', url: 'https://t2', format: 'standard', events: ['a']})
        for (let i = 0; i < n; i++) {
          yield* insertWebhookEvent.ops(event(`evt_${i}`, {nextFetchAt: at(i % 7)}))
          const seq = (yield* insertOutbox.ops(alert(i)))!
          // Two deliveries per order key: only the first of each may be claimed while it is pending.
          yield* insertDeliveries.ops(seq, ['t1', 't2'], `key:${i % (n / 2)}`, at(i % 5))
        }
      })(),
    )
  }

  /** host's claim, run inside a transaction of the other host that holds its own claim's locks meanwhile. */
  async function overlapping<T>(claim: () => Ops<T[]>): Promise<{first: T[]; second: T[] | 'waited'}> {
    return stores[0]!.write(async (q) => {
      const first = await runAsync({engine: 'postgres', store: stores[0]!, q, now: () => T0}, claim())
      let timer: NodeJS.Timeout | undefined
      const second = await Promise.race([
        hosts[1]!.write(claim()),
        new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), 5_000))),
      ])
      clearTimeout(timer)
      return {first, second}
    })
  }

  it('two hosts claiming stored webhook events at the same moment get different ones, without waiting', async () => {
    await seed(20)
    const {first, second} = await overlapping(() => dueFetches.ops(DUE_AT, 6))
    expect(second).not.toBe('waited')
    const ids = (rows: Array<{dedupKey: string}>) => rows.map((r) => r.dedupKey)
    expect(first).toHaveLength(6)
    expect(second).toHaveLength(6)
    expect(ids(first).filter((id) => ids(second as typeof first).includes(id))).toEqual([])
    // Committed claims hold after their transactions: the rest goes to whoever asks next.
    const rest = await hosts[1]!.write(dueFetches.ops(DUE_AT, 100))
    expect(new Set([...ids(first), ...ids(second as typeof first), ...ids(rest)]).size).toBe(20)
    expect(rest).toHaveLength(8)
    expect(await hosts[0]!.write(dueFetches.ops(DUE_AT, 100))).toEqual([])
    // A claim lapses: after it, the events are due again.
    const lapsed = await hosts[0]!.write(dueFetches.ops(at(100 + 3600), 100, 1000))
    expect(lapsed).toHaveLength(20)
  })

  it('two hosts claiming due deliveries at the same moment get different heads, and nothing queued behind them', async () => {
    await seed(20)
    const {first, second} = await overlapping(() => dueDeliveries.ops(DUE_AT, 6))
    expect(second).not.toBe('waited')
    const key = (d: {seq: number; targetId: string}) => `${d.seq}/${d.targetId}`
    expect(first).toHaveLength(6)
    expect(second).toHaveLength(6)
    expect(first.map(key).filter((k) => (second as typeof first).map(key).includes(k))).toEqual([])
    const rest = await hosts[1]!.write(dueDeliveries.ops(DUE_AT, 100))
    // 20 heads (10 order keys × 2 targets); the 20 deliveries behind them wait for their heads.
    expect(rest).toHaveLength(8)
    expect(new Set([...first, ...(second as typeof first), ...rest].map(key)).size).toBe(20)
    expect(await hosts[0]!.write(dueDeliveries.ops(DUE_AT, 100))).toEqual([])
  })

  it('many claims racing from two hosts share the work out exactly once', async () => {
    await seed(40)
    const claimed = {fetches: [] as string[], deliveries: [] as string[]}
    for (;;) {
      const rounds = await Promise.all(
        [0, 1, 0, 1].map((h) =>
          hosts[h]!.write(
            (function* () {
              const fetches = yield* dueFetches.ops(DUE_AT, 3)
              const deliveries = yield* dueDeliveries.ops(DUE_AT, 3)
              return {fetches, deliveries}
            })(),
          ),
        ),
      )
      for (const r of rounds) {
        claimed.fetches.push(...r.fetches.map((e) => e.dedupKey))
        claimed.deliveries.push(...r.deliveries.map((d) => `${d.seq}/${d.targetId}`))
      }
      if (rounds.every((r) => r.fetches.length === 0 && r.deliveries.length === 0)) break
    }
    expect(claimed.fetches).toHaveLength(40)
    expect(new Set(claimed.fetches).size).toBe(40)
    expect(claimed.deliveries).toHaveLength(40)
    expect(new Set(claimed.deliveries).size).toBe(40)
  })
})
