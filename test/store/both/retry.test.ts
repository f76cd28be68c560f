import Database from 'better-sqlite3'
import pg from 'pg'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/errors.js'
import {type LedgerHandle, storeHandle} from '../../../src/store/ops/ledger-handle.js'
import {get, type Ops, run, value, write} from '../../../src/store/ops/op.js'
import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {countUnmappedCodes, listDeclineCodes, noteDeclineCode} from '../../../src/store/repos/decline-codes.js'
import {addGrant, listGrants, removeGrant, segmentUnknown} from '../../../src/store/repos/grants.js'
import {
  cancelOpenRetriesOf,
  dueRetries,
  finishRetry,
  getRetry,
  hasChainsOf,
  insertRetry,
  listRetries,
  openRetriesLike,
  type RetryRow,
  retryOfPayment,
  scheduleRetry,
} from '../../../src/store/repos/retries.js'
import {
  attemptByExternalId,
  attemptByKey,
  attemptsOf,
  cardRequests,
  externalIdsOf,
  insertAttempt,
  noteCheck,
  settleAttemptRow,
  unsettledAttempt,
} from '../../../src/store/repos/retries-attempts.js'
import {invoicePaidBy, paymentsOfAttempt} from '../../../src/store/repos/retries-ledger.js'
import {customerRefAt, paymentMethodAt, upsertPaymentMethods} from '../../../src/store/repos/retries-methods.js'
import {
  attemptsByProvider,
  attemptsBySlot,
  finishedChains,
  lifetimeRetryTotals,
  openChainsByProvider,
} from '../../../src/store/repos/retries-report.js'
import {
  deleteNetworkSetting,
  deleteOverride,
  getOverride,
  listNetworkSettings,
  listOverrides,
  putNetworkSetting,
  putOverride,
  readRetryRules,
} from '../../../src/store/repos/retry-rules.js'
import {pgStore} from '../../../src/store/seam/pg-store.js'
import type {Store} from '../../../src/store/seam/store.js'
import {testPostgres} from '../../helpers/postgres.js'
import {steppingClock} from '../helpers.js'
import {type HandleUnderTest, handleEngines} from '../ops/engines.js'

const postgres = await testPostgres()
const noop = () => undefined

const T0 = '2024-05-01T00:00:00.000Z'
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString()
const BIG = Number.MAX_SAFE_INTEGER

/** Two sites, three customers (one with a unicode id, one without a segment) and two providers. */
function* seed(): Ops<void> {
  for (const [id, currency] of [
    ['berlin', 'EUR'],
    ['zürich', 'CHF'],
  ])
    yield* run('INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
      id,
      id,
      currency,
      T0,
      T0,
    ])
  for (const [id, site, segment] of [
    ['c1', 'berlin', 'gold'],
    ['c2', 'zürich', null],
    ['ünï', 'berlin', 'gold'],
  ])
    yield* run('INSERT INTO customers (id, site, segment, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
      id,
      site,
      segment,
      T0,
      T0,
    ])
  for (const [id, kind] of [
    ['stripe1', 'stripe'],
    ['adyen1', 'adyen'],
  ])
    yield* run('INSERT INTO providers (id, kind, created_at, updated_at) VALUES (?, ?, ?, ?)', [id, kind, T0, T0])
}

type NewRetry = Parameters<typeof insertRetry.ops>[0]

function failed(txnId: string, over: Partial<NewRetry> = {}): NewRetry {
  return {
    txnId,
    provider: 'stripe1',
    customerId: 'c1',
    siteId: 'berlin',
    invoiceRef: null,
    amount: {minor: 500, currency: 'EUR'},
    failureCode: 'card_declined',
    failedAt: at(0),
    nextAt: at(60),
    note: 'queued',
    now: at(0),
    ...over,
  }
}

type NewAttempt = Parameters<typeof insertAttempt.ops>[0]

function attempt(retryId: number, seq: number, over: Partial<NewAttempt> = {}): NewAttempt {
  return {
    retryId,
    seq,
    slot: seq,
    provider: 'stripe1',
    route: 'primary',
    routeReason: 'primary first',
    methodRef: 'pm_1',
    idempotencyKey: `yms-retry-${retryId}-${seq}`,
    requestJson: '{"amount":500}',
    now: at(seq),
    ...over,
  }
}

const TXN = `INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, customer_id,
               site_id, invoice_ref, occurred_at, updated_at, version, raw_json, first_seen_at, last_seen_at, metadata_json)
             VALUES (?, ?, 'charge', ?, ?, ?, 500, 'EUR', ?, 'berlin', ?, ?, ?, 1, '{}', ?, ?, ?)`

function* txn(t: {
  provider?: string
  external: string
  type?: string
  status?: string
  customer?: string | null
  invoice?: string | null
  occurred: string
  metadata?: Record<string, string>
}): Ops<void> {
  const provider = t.provider ?? 'stripe1'
  yield* run(TXN, [
    `${provider}:${t.external}`,
    provider,
    t.external,
    t.type ?? 'payment',
    t.status ?? 'succeeded',
    t.customer === undefined ? 'c1' : t.customer,
    t.invoice ?? null,
    t.occurred,
    t.occurred,
    t.occurred,
    t.occurred,
    JSON.stringify(t.metadata ?? {}),
  ])
}

/** The error a refused statement threw, caught in a savepoint so the transaction goes on. */
function* refusal(body: Ops<unknown>): Ops<unknown> {
  try {
    yield* write(body)
  } catch (error) {
    return error
  }
  return undefined
}

function constraintCode(error: unknown): string | undefined {
  if (error instanceof Database.SqliteError) return error.code
  if (error instanceof pg.DatabaseError) return error.code
  return undefined
}

describe.each(handleEngines(postgres))('retry repositories on $engine', ({engine, skip, open}) => {
  let ledger: HandleUnderTest
  let h: LedgerHandle
  beforeEach(async () => {
    if (skip !== undefined) return
    ledger = await open()
    h = ledger.handle
    await h.write(seed())
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })

  describe.skipIf(skip !== undefined)('', () => {
    it('queues a failed payment once and reads it back whole: a big amount, unicode, NULLs', async () => {
      const ids = await h.write(
        (function* () {
          const first = yield* insertRetry.ops(
            failed('stripe1:ch_1', {customerId: 'ünï', amount: {minor: BIG, currency: 'EUR'}, note: 'räkna ✓'}),
          )
          const again = yield* insertRetry.ops(failed('stripe1:ch_1', {note: 'a second failure'}))
          const second = yield* insertRetry.ops(failed('stripe1:ch_2', {invoiceRef: 'inv-1'}))
          return {first, again, second}
        })(),
      )
      expect(ids.first).toEqual(expect.any(Number))
      expect(ids.again).toBeNull()
      expect(ids.second).toBeGreaterThan(ids.first!)
      const row = await h.read(getRetry.ops(ids.first!))
      expect(row).toEqual<RetryRow>({
        id: ids.first!,
        txnId: 'stripe1:ch_1',
        provider: 'stripe1',
        customerId: 'ünï',
        siteId: 'berlin',
        invoiceRef: null,
        amount: {minor: BIG, currency: 'EUR'},
        failureCode: 'card_declined',
        failedAt: at(0),
        status: 'queued',
        slotsUsed: 0,
        nextAt: at(60),
        note: 'räkna ✓',
        recoveredTxn: null,
        recoveredVia: null,
        recoveredSlot: null,
        queuedAt: at(0),
        finishedAt: null,
        updatedAt: at(0),
      })
      expect(await h.read(retryOfPayment.ops('stripe1:ch_1'))).toEqual(row)
      expect(await h.read(retryOfPayment.ops('stripe1:nowhere'))).toBeNull()
      expect(await h.read(getRetry.ops(9_999))).toBeNull()
      expect(await h.read(hasChainsOf.ops('stripe1'))).toBe(true)
      expect(await h.read(hasChainsOf.ops('adyen1'))).toBe(false)
    })

    it('lists due chains oldest first (ties by id), narrowed by providers, an empty list narrowing to none', async () => {
      const ids = await h.write(
        (function* () {
          return [
            yield* insertRetry.ops(failed('stripe1:a', {nextAt: at(30)})),
            yield* insertRetry.ops(failed('adyen1:b', {provider: 'adyen1', nextAt: at(10)})),
            yield* insertRetry.ops(failed('stripe1:c', {nextAt: at(10)})),
            yield* insertRetry.ops(failed('stripe1:d', {nextAt: at(90)})),
            yield* insertRetry.ops(failed('stripe1:e', {nextAt: at(20)})),
          ] as number[]
        })(),
      )
      const [a, b, c, , e] = ids
      const due = (providers: string[] | null, limit = 10) =>
        h.read(dueRetries.ops(at(30), providers, limit)).then((rows) => rows.map((r) => r.id))
      expect(await due(null)).toEqual([b, c, e, a])
      expect(await due(null, 2)).toEqual([b, c])
      expect(await due(['stripe1'])).toEqual([c, e, a])
      expect(await due(['adyen1', 'nobody'])).toEqual([b])
      expect(await due([])).toEqual([])
      // An ended chain is never due.
      await h.write(finishRetry.ops(b!, {status: 'exhausted', note: 'done', now: at(11)}))
      expect(await due(null)).toEqual([c, e, a])
    })

    it('finds the open chains like a failure: by invoice, or without one by amount and currency', async () => {
      const ids = await h.write(
        (function* () {
          const withInvoice = yield* insertRetry.ops(failed('stripe1:inv', {invoiceRef: 'inv-1'}))
          const noInvoice = yield* insertRetry.ops(failed('stripe1:none'))
          yield* insertRetry.ops(failed('stripe1:usd', {amount: {minor: 500, currency: 'USD'}}))
          yield* insertRetry.ops(failed('stripe1:other', {customerId: 'c2', siteId: 'zürich'}))
          const ended = yield* insertRetry.ops(failed('stripe1:ended', {invoiceRef: 'inv-1'}))
          yield* finishRetry.ops(ended!, {status: 'canceled', note: 'admin', now: at(1)})
          return {withInvoice, noInvoice}
        })(),
      )
      const like = (invoiceRef: string | null, minor = 500) =>
        h
          .read(openRetriesLike.ops({customerId: 'c1', invoiceRef, amount: {minor, currency: 'EUR'}}))
          .then((rows) => rows.map((r) => r.id).sort((x, y) => x - y))
      expect(await like('inv-1')).toEqual([ids.withInvoice])
      expect(await like(null)).toEqual([ids.withInvoice, ids.noInvoice])
      expect(await like(null, 501)).toEqual([])
      expect(await like('inv-2')).toEqual([])
    })

    it('schedules only open chains; ends them once, a recovery ending even a canceled one', async () => {
      const id = (await h.write(insertRetry.ops(failed('stripe1:ch_1'))))!
      const outcome = await h.write(
        (function* () {
          const scheduled = yield* scheduleRetry.ops(id, {
            status: 'resolving',
            nextAt: at(70),
            note: 'asking',
            now: at(2),
          })
          const kept = (yield* getRetry.ops(id))!.slotsUsed
          const counted = yield* scheduleRetry.ops(id, {
            status: 'queued',
            nextAt: at(80),
            note: 'next slot',
            slotsUsed: 2,
            now: at(3),
          })
          const canceled = yield* finishRetry.ops(id, {status: 'canceled', note: 'by admin', now: at(4)})
          const canceledAgain = yield* finishRetry.ops(id, {status: 'exhausted', note: 'late', now: at(5)})
          const reopened = yield* scheduleRetry.ops(id, {status: 'queued', nextAt: at(90), note: 'no', now: at(6)})
          const recovered = yield* finishRetry.ops(id, {
            status: 'recovered',
            note: 'paid after all',
            now: at(7),
            recovery: {txnId: 'adyen1:ch_9', via: 'fallback', slot: 3},
            slotsUsed: 3,
          })
          const recoveredAgain = yield* finishRetry.ops(id, {
            status: 'recovered',
            note: 'twice',
            now: at(8),
            recovery: {txnId: 'adyen1:ch_10', via: 'primary', slot: 4},
          })
          return {scheduled, kept, counted, canceled, canceledAgain, reopened, recovered, recoveredAgain}
        })(),
      )
      expect(outcome).toEqual({
        scheduled: true,
        kept: 0,
        counted: true,
        canceled: true,
        canceledAgain: false,
        reopened: false,
        recovered: true,
        recoveredAgain: false,
      })
      expect(await h.read(getRetry.ops(id))).toMatchObject({
        status: 'recovered',
        nextAt: null,
        note: 'paid after all',
        slotsUsed: 3,
        recoveredTxn: 'adyen1:ch_9',
        recoveredVia: 'fallback',
        recoveredSlot: 3,
        finishedAt: at(7),
        updatedAt: at(7),
      })
    })

    it('cancels a provider’s open chains and lists chains by status, latest change first', async () => {
      const ids = await h.write(
        (function* () {
          const a = (yield* insertRetry.ops(failed('stripe1:a', {now: at(1)})))!
          const b = (yield* insertRetry.ops(failed('stripe1:b', {now: at(2)})))!
          const c = (yield* insertRetry.ops(failed('adyen1:c', {provider: 'adyen1', now: at(2)})))!
          const d = (yield* insertRetry.ops(failed('stripe1:d', {now: at(3)})))!
          yield* finishRetry.ops(d, {status: 'exhausted', note: 'done', now: at(4)})
          return {a, b, c, d}
        })(),
      )
      const listed = (statuses: RetryRow['status'][], provider?: string, limit = 10) =>
        h.read(listRetries.ops({statuses, provider, limit})).then((rows) => rows.map((r) => r.id))
      expect(await listed(['queued'])).toEqual([ids.c, ids.b, ids.a])
      expect(await listed(['queued', 'exhausted'], 'stripe1')).toEqual([ids.d, ids.b, ids.a])
      expect(await listed(['queued', 'exhausted'], undefined, 2)).toEqual([ids.d, ids.c])
      expect(await listed([])).toEqual([])
      expect(await h.write(cancelOpenRetriesOf.ops('stripe1', 'provider removed', at(9)))).toBe(2)
      expect(await h.write(cancelOpenRetriesOf.ops('stripe1', 'again', at(10)))).toBe(0)
      expect(await listed(['canceled'])).toEqual([ids.b, ids.a])
      expect(await h.read(getRetry.ops(ids.a))).toMatchObject({
        status: 'canceled',
        nextAt: null,
        note: 'provider removed',
        finishedAt: at(9),
      })
    })

    it('records attempts before they are sent: one per (chain, seq) and per key, refused in a savepoint', async () => {
      const id = (await h.write(insertRetry.ops(failed('stripe1:ch_1'))))!
      const result = await h.write(
        (function* () {
          const first = yield* insertAttempt.ops(attempt(id, 1, {requestJson: '{"note":"größe"}'}))
          const sameSeq = yield* refusal(insertAttempt.ops(attempt(id, 1, {idempotencyKey: 'other'})))
          const sameKey = yield* refusal(insertAttempt.ops(attempt(id, 2, {idempotencyKey: first.idempotencyKey})))
          const second = yield* insertAttempt.ops(attempt(id, 2, {route: 'fallback', provider: 'adyen1'}))
          return {first, sameSeq, sameKey, second}
        })(),
      )
      expect(result.first).toEqual({
        id: expect.any(Number),
        retryId: id,
        seq: 1,
        slot: 1,
        provider: 'stripe1',
        route: 'primary',
        routeReason: 'primary first',
        methodRef: 'pm_1',
        idempotencyKey: `yms-retry-${id}-1`,
        requestJson: '{"note":"größe"}',
        status: 'sending',
        externalId: null,
        failureCode: null,
        failureMessage: null,
        decision: null,
        detail: null,
        checks: 0,
        startedAt: at(1),
        finishedAt: null,
      })
      for (const refused of [result.sameSeq, result.sameKey])
        expect(constraintCode(refused)).toMatch(engine === 'sqlite' ? /^SQLITE_CONSTRAINT_UNIQUE$/ : /^23505$/)
      expect((await h.read(attemptsOf.ops(id))).map((a) => [a.seq, a.route])).toEqual([
        [1, 'primary'],
        [2, 'fallback'],
      ])
      expect(await h.read(attemptsOf.ops(id + 1))).toEqual([])
      expect(await h.read(attemptByKey.ops(`yms-retry-${id}-2`))).toEqual(result.second)
      expect(await h.read(attemptByKey.ops('nobody'))).toBeNull()
    })

    it('settles an attempt: a final outcome sticks, an external id once learned is kept', async () => {
      const id = (await h.write(insertRetry.ops(failed('stripe1:ch_1'))))!
      const a = await h.write(insertAttempt.ops(attempt(id, 1)))
      const settled = await h.write(
        (function* () {
          const unsettled = (yield* unsettledAttempt.ops(id))?.id
          const pending = yield* settleAttemptRow.ops(a.id, {
            status: 'pending',
            externalId: 'ch_ext',
            failure: null,
            detail: 'processing',
            now: at(2),
          })
          yield* noteCheck.ops(a.id, 'still processing')
          yield* noteCheck.ops(a.id, 'asked again ✓')
          const afterChecks = yield* get('SELECT checks, detail, finished_at FROM retry_attempts WHERE id = ?', [a.id])
          const unknown = yield* settleAttemptRow.ops(a.id, {
            status: 'unknown',
            externalId: null,
            failure: null,
            detail: null,
            now: at(3),
          })
          const failedNow = yield* settleAttemptRow.ops(a.id, {
            status: 'failed',
            externalId: null,
            failure: {
              code: 'do_not_honor',
              message: 'Do not honor',
              decision: 'retry',
              reason: 'soft decline',
              network: 'visa',
              networkCode: '05',
            },
            detail: null,
            now: at(4),
          })
          const late = yield* settleAttemptRow.ops(a.id, {
            status: 'succeeded',
            externalId: 'ch_other',
            failure: null,
            detail: 'late report',
            now: at(5),
          })
          return {unsettled, pending, afterChecks, unknown, failedNow, late, open: yield* unsettledAttempt.ops(id)}
        })(),
      )
      expect(settled).toEqual({
        unsettled: a.id,
        pending: true,
        afterChecks: {checks: 2, detail: 'asked again ✓', finished_at: null},
        unknown: true,
        failedNow: true,
        late: false,
        open: null,
      })
      expect(await h.read(attemptsOf.ops(id))).toEqual([
        {
          ...a,
          status: 'failed',
          externalId: 'ch_ext',
          failureCode: 'do_not_honor',
          failureMessage: 'Do not honor',
          decision: 'retry',
          detail: 'asked again ✓',
          checks: 2,
          finishedAt: at(4),
        },
      ])
      expect(
        await h.read(
          get('SELECT reason, failure_origin, network, network_code, network_advice FROM retry_attempts WHERE id = ?', [
            a.id,
          ]),
        ),
      ).toEqual({
        reason: 'soft decline',
        failure_origin: 'decline',
        network: 'visa',
        network_code: '05',
        network_advice: null,
      })
      // A non-final outcome leaves finished_at alone.
      const b = await h.write(insertAttempt.ops(attempt(id, 2)))
      await h.write(
        settleAttemptRow.ops(b.id, {status: 'unknown', externalId: null, failure: null, detail: 'timeout', now: at(9)}),
      )
      expect(await h.read(unsettledAttempt.ops(id))).toMatchObject({id: b.id, status: 'unknown', finishedAt: null})
    })

    it('finds attempts by external id (the latest) and lists a chain’s external ids', async () => {
      const id = (await h.write(insertRetry.ops(failed('stripe1:ch_1'))))!
      const [, b, c] = await h.write(
        (function* () {
          const made: number[] = []
          for (const [seq, provider, external] of [
            [1, 'stripe1', 'ch_same'],
            [2, 'stripe1', 'ch_same'],
            [3, 'adyen1', 'ch_3'],
            [4, 'stripe1', null],
          ] as const) {
            const row = yield* insertAttempt.ops(attempt(id, seq, {provider}))
            yield* settleAttemptRow.ops(row.id, {
              status: 'pending',
              externalId: external,
              failure: null,
              detail: null,
              now: at(9),
            })
            made.push(row.id)
          }
          return made
        })(),
      )
      expect((await h.read(attemptByExternalId.ops('stripe1', 'ch_same')))?.id).toBe(b)
      expect((await h.read(attemptByExternalId.ops('adyen1', 'ch_3')))?.id).toBe(c)
      expect(await h.read(attemptByExternalId.ops('stripe1', 'ch_3'))).toBeNull()
      expect(await h.read(externalIdsOf.ops(id))).toEqual(new Set(['ch_same', 'ch_3']))
      expect(await h.read(externalIdsOf.ops(id + 1))).toEqual(new Set())
    })

    it('reads a card’s requests since a time, under their camelCase names, refusals left out', async () => {
      const id = (await h.write(insertRetry.ops(failed('stripe1:ch_1'))))!
      await h.write(
        (function* () {
          const rows = [
            yield* insertAttempt.ops(attempt(id, 1, {now: at(10)})),
            yield* insertAttempt.ops(attempt(id, 2, {now: at(20)})),
            yield* insertAttempt.ops(attempt(id, 3, {now: at(5)})),
            yield* insertAttempt.ops(attempt(id, 4, {now: at(30), methodRef: 'pm_other'})),
            yield* insertAttempt.ops(attempt(id, 5, {now: at(40)})),
          ]
          yield* settleAttemptRow.ops(rows[0]!.id, {
            status: 'failed',
            externalId: null,
            failure: {
              code: '05',
              message: 'declined',
              decision: 'retry',
              reason: 'r',
              origin: 'request',
              network: 'mastercard',
              networkCode: '05',
              networkAdvice: '24',
            },
            detail: null,
            now: at(11),
          })
          yield* settleAttemptRow.ops(rows[1]!.id, {
            status: 'not_sent',
            externalId: null,
            failure: null,
            detail: 'breaker',
            now: at(21),
          })
        })(),
      )
      const requests = await h.read(cardRequests.ops('stripe1', 'pm_1', at(10)))
      expect(requests).toEqual([
        {
          id: expect.any(Number),
          startedAt: at(10),
          status: 'failed',
          origin: 'request',
          network: 'mastercard',
          networkCode: '05',
          networkAdvice: '24',
        },
        {
          id: expect.any(Number),
          startedAt: at(40),
          status: 'sending',
          origin: null,
          network: null,
          networkCode: null,
          networkAdvice: null,
        },
      ])
      expect(await h.read(cardRequests.ops('adyen1', 'pm_1', T0))).toEqual([])
    })

    it('asks the mirrored payments whether an invoice was paid, leaving out the listed ones', async () => {
      await h.write(
        (function* () {
          yield* txn({external: 'paid', invoice: 'inv-1', occurred: at(10)})
          yield* txn({external: 'failed', invoice: 'inv-1', status: 'failed', occurred: at(11)})
          yield* txn({external: 'early', invoice: 'inv-1', occurred: at(-10)})
          yield* txn({external: 'refund', invoice: 'inv-1', type: 'refund', occurred: at(12)})
          yield* txn({external: 'other', invoice: 'inv-2', occurred: at(13)})
          yield* txn({external: 'stranger', invoice: 'inv-1', customer: 'c2', occurred: at(14)})
        })(),
      )
      const paid = (except: string[], invoiceRef = 'inv-1') =>
        h.read(invoicePaidBy.ops({customerId: 'c1', invoiceRef, since: at(0), except}))
      expect(await paid([])).toBe('stripe1:paid')
      expect(await paid(['stripe1:failed', 'stripe1:paid'])).toBeNull()
      expect(await paid(['stripe1:other'])).toBe('stripe1:paid')
      expect(await paid([], 'inv-9')).toBeNull()
    })

    it('finds an attempt’s payments by its key in their metadata or by the invoice, newest first', async () => {
      await h.write(
        (function* () {
          yield* txn({external: 'keyed', customer: null, occurred: at(10), metadata: {note: 'größe yms-retry_7-1'}})
          yield* txn({external: 'invoiced', invoice: 'inv-1', occurred: at(20)})
          yield* txn({external: 'old', occurred: at(-5), metadata: {k: 'yms-retry_7-1'}})
          yield* txn({external: 'refund', type: 'refund', occurred: at(30), metadata: {k: 'yms-retry_7-1'}})
          yield* txn({provider: 'adyen1', external: 'elsewhere', occurred: at(30), metadata: {k: 'yms-retry_7-1'}})
          // No wildcard: `_` in the key is a character, not any character.
          yield* txn({external: 'lookalike', occurred: at(40), metadata: {k: 'yms-retryX7X1'}})
          yield* txn({external: 'UPPER', occurred: at(50), metadata: {k: 'YMS-RETRY_7-1'}})
        })(),
      )
      const found = (invoice: {customerId: string; invoiceRef: string} | null, except: string[] = []) =>
        h
          .read(paymentsOfAttempt.ops({provider: 'stripe1', since: at(0), key: 'yms-retry_7-1', invoice, except}))
          .then((rows) => rows.map((t) => t.id))
      expect(await found(null)).toEqual(['stripe1:keyed'])
      expect(await found({customerId: 'c1', invoiceRef: 'inv-1'})).toEqual(['stripe1:invoiced', 'stripe1:keyed'])
      expect(await found({customerId: 'c1', invoiceRef: 'inv-1'}, ['stripe1:keyed'])).toEqual(['stripe1:invoiced'])
      const [keyed] = await h.read(
        paymentsOfAttempt.ops({provider: 'stripe1', since: at(0), key: 'yms-retry_7-1', invoice: null, except: []}),
      )
      expect(keyed).toMatchObject({
        id: 'stripe1:keyed',
        amount: {minor: 500, currency: 'EUR'},
        fee: null,
        metadata: {note: 'größe yms-retry_7-1'},
      })
    })

    it('upserts payment methods row by row, a refused row rolled back alone', async () => {
      const result = await h.write(
        upsertPaymentMethods.ops([
          {customer: 'c1', providerKey: 'stripe1', methodRef: 'pm_1'},
          {customer: 'nobody', providerKey: 'stripe1', methodRef: 'pm_x'},
          {customer: 'c1', providerKey: 'stripe1', methodRef: 'pm_1'},
          {customer: 'c1', providerKey: 'stripe1', methodRef: 'pm_2'},
          {customer: 'c2', providerKey: 'stripe', methodRef: 'x'.repeat(257)},
          {customer: 'c2', providerKey: '', methodRef: 'pm_y'},
          {customer: 'ünï', providerKey: 'stripe', methodRef: 'pm_ü'},
        ]),
      )
      expect(result).toMatchObject({
        outcomes: [
          'inserted',
          {rejected: 'unknown customer "nobody"'},
          'unchanged',
          'updated',
          {rejected: expect.stringMatching(/.+/)},
          {rejected: expect.stringMatching(/.+/)},
          'inserted',
        ],
        inserted: 2,
        updated: 1,
        unchanged: 1,
      })
      expect(result.rejected.map((r) => r.index)).toEqual([1, 4, 5])
      expect(await h.read(value<number>('SELECT count(*) FROM payment_methods'))).toBe(2)
      await h.write(upsertPaymentMethods.ops([{customer: 'c1', providerKey: 'stripe', methodRef: 'pm_kind'}]))
      expect(await h.read(paymentMethodAt.ops('c1', 'stripe1', 'stripe'))).toBe('pm_2')
      expect(await h.read(paymentMethodAt.ops('c1', 'stripe2', 'stripe'))).toBe('pm_kind')
      expect(await h.read(paymentMethodAt.ops('ünï', 'stripe1', 'stripe'))).toBe('pm_ü')
      expect(await h.read(paymentMethodAt.ops('c2', 'stripe1', 'stripe'))).toBeNull()
    })

    it('reads a customer’s gateway id, the provider id winning over the kind', async () => {
      await h.write(
        (function* () {
          for (const [customer, key, ref] of [
            ['c1', 'stripe', 'cus_kind'],
            ['c1', 'stripe1', 'cus_id'],
            ['c2', 'stripe', 'cus_ü'],
          ])
            yield* run('INSERT INTO customer_refs (customer, provider_key, external_ref) VALUES (?, ?, ?)', [
              customer,
              key,
              ref,
            ])
        })(),
      )
      expect(await h.read(customerRefAt.ops('c1', 'stripe1', 'stripe'))).toBe('cus_id')
      expect(await h.read(customerRefAt.ops('c2', 'stripe1', 'stripe'))).toBe('cus_ü')
      expect(await h.read(customerRefAt.ops('c1', 'adyen1', 'adyen'))).toBeNull()
    })

    it('reports chains and attempts in a window, filtered by site and provider; lifetime totals', async () => {
      await h.write(
        (function* () {
          const r1 = (yield* insertRetry.ops(failed('stripe1:r1', {amount: {minor: BIG, currency: 'EUR'}})))!
          const r2 = (yield* insertRetry.ops(failed('stripe1:r2', {customerId: 'c2', siteId: 'zürich'})))!
          const r3 = (yield* insertRetry.ops(failed('adyen1:r3', {provider: 'adyen1'})))!
          const r4 = (yield* insertRetry.ops(failed('adyen1:r4', {provider: 'adyen1', failureCode: 'expired'})))!
          yield* insertRetry.ops(failed('stripe1:open', {customerId: 'c2', siteId: 'zürich'}))
          yield* insertRetry.ops(failed('adyen1:open', {provider: 'adyen1'}))
          for (const [retry, seq, minutes] of [
            [r1, 1, 10],
            [r1, 2, 20],
            [r2, 1, 30],
            [r3, 1, 40],
            [r3, 2, 50],
            [r4, 1, 200],
          ] as const)
            yield* insertAttempt.ops(attempt(retry, seq, {now: at(minutes)}))
          const refused = yield* insertAttempt.ops(attempt(r1, 3, {now: at(25)}))
          yield* settleAttemptRow.ops(refused.id, {
            status: 'not_sent',
            externalId: null,
            failure: null,
            detail: null,
            now: at(25),
          })
          yield* finishRetry.ops(r1, {
            status: 'recovered',
            note: 'ok',
            now: at(21),
            recovery: {txnId: 'adyen1:x', via: 'fallback', slot: 2},
          })
          yield* finishRetry.ops(r2, {status: 'exhausted', note: 'no', now: at(31)})
          yield* finishRetry.ops(r3, {status: 'stopped', note: 'hard', now: at(51)})
          yield* finishRetry.ops(r4, {status: 'canceled', note: 'late', now: at(201)})
        })(),
      )
      const scope = {since: at(0), until: at(100)}
      const chains = await h.read(finishedChains.ops(scope))
      expect(chains.sort((x, y) => x.provider.localeCompare(y.provider) || x.status.localeCompare(y.status))).toEqual([
        {
          status: 'stopped',
          provider: 'adyen1',
          reason: 'card_declined',
          amount: {minor: 500, currency: 'EUR'},
          recoveredVia: null,
          recoveredSlot: null,
        },
        {
          status: 'exhausted',
          provider: 'stripe1',
          reason: 'card_declined',
          amount: {minor: 500, currency: 'EUR'},
          recoveredVia: null,
          recoveredSlot: null,
        },
        {
          status: 'recovered',
          provider: 'stripe1',
          reason: 'card_declined',
          amount: {minor: BIG, currency: 'EUR'},
          recoveredVia: 'fallback',
          recoveredSlot: 2,
        },
      ])
      expect((await h.read(finishedChains.ops({...scope, site: 'zürich'}))).map((c) => c.status)).toEqual(['exhausted'])
      expect((await h.read(finishedChains.ops({...scope, provider: 'adyen1'}))).map((c) => c.status)).toEqual([
        'stopped',
      ])
      expect(await h.read(finishedChains.ops({...scope, site: 'nowhere'}))).toEqual([])
      expect(await h.read(attemptsBySlot.ops(scope))).toEqual(
        new Map([
          [1, 3],
          [2, 2],
        ]),
      )
      expect(await h.read(attemptsBySlot.ops({...scope, site: 'berlin', provider: 'stripe1'}))).toEqual(
        new Map([
          [1, 1],
          [2, 1],
        ]),
      )
      expect(await h.read(attemptsByProvider.ops(scope))).toEqual(
        new Map([
          ['adyen1', 2],
          ['stripe1', 3],
        ]),
      )
      expect(await h.read(attemptsByProvider.ops({since: at(100), until: at(300)}))).toEqual(new Map([['adyen1', 1]]))
      expect(await h.read(openChainsByProvider.ops({}))).toEqual(
        new Map([
          ['adyen1', 1],
          ['stripe1', 1],
        ]),
      )
      expect(await h.read(openChainsByProvider.ops({site: 'berlin'}))).toEqual(new Map([['adyen1', 1]]))
      expect(await h.read(openChainsByProvider.ops({provider: 'stripe1', site: 'berlin'}))).toEqual(new Map())
      expect(await h.read(lifetimeRetryTotals.ops())).toEqual(
        new Map([
          ['adyen1', {attempted: 3, recovered: 0, exhausted: 1}],
          ['stripe1', {attempted: 3, recovered: 1, exhausted: 1}],
        ]),
      )
    })

    it('keeps code overrides and network settings, in byte order, stamped with the store’s clock by default', async () => {
      const got = await h.write(
        (function* () {
          for (const [kind, code] of [
            ['stripe', 'a'],
            ['stripe', 'B'],
            ['stripe', '9'],
            ['stripe', '10'],
            ['adyen', 'ü'],
            ['Adyen', 'x'],
          ] as const)
            yield* putOverride.ops({kind, code, decision: 'terminal', note: null, updatedBy: 'ops'}, at(1))
          yield* putOverride.ops({kind: 'stripe', code: 'a', decision: 'retry', note: 'soft ✓', updatedBy: 'ana'})
          yield* putNetworkSetting.ops({name: 'visa-reattempts-30d', value: '7', updatedBy: 'ana'}, at(2))
          yield* putNetworkSetting.ops({name: 'mastercard-declines-24h', value: '3', updatedBy: 'ana'})
          yield* putNetworkSetting.ops({name: 'mastercard-declines-24h', value: '4', updatedBy: 'bo'})
          return {
            deleted: yield* deleteOverride.ops('Adyen', 'x'),
            deletedAgain: yield* deleteOverride.ops('Adyen', 'x'),
            settingDeleted: yield* deleteNetworkSetting.ops('nothing-here'),
          }
        })(),
      )
      expect(got).toEqual({deleted: true, deletedAgain: false, settingDeleted: false})
      const overrides = await h.read(listOverrides.ops())
      expect(overrides.map((o) => `${o.kind}/${o.code}`)).toEqual([
        'adyen/ü',
        'stripe/10',
        'stripe/9',
        'stripe/B',
        'stripe/a',
      ])
      expect(await h.read(getOverride.ops('stripe', 'a'))).toEqual({
        kind: 'stripe',
        code: 'a',
        decision: 'retry',
        note: 'soft ✓',
        updatedAt: '2024-05-01T10:00:00.000Z',
        updatedBy: 'ana',
      })
      expect(await h.read(getOverride.ops('stripe', 'A'))).toBeNull()
      expect((await h.read(listOverrides.ops({kind: 'adyen'}))).map((o) => o.code)).toEqual(['ü'])
      expect(await h.read(listOverrides.ops({kind: 'nobody'}))).toEqual([])
      expect(await h.read(listNetworkSettings.ops())).toEqual([
        {name: 'mastercard-declines-24h', value: '4', updatedAt: '2024-05-01T10:00:02.000Z', updatedBy: 'bo'},
        {name: 'visa-reattempts-30d', value: '7', updatedAt: at(2), updatedBy: 'ana'},
      ])
      const rules = await h.read(readRetryRules.ops())
      expect(rules.overrides).toEqual(
        new Map([
          ['adyen:ü', 'terminal'],
          ['stripe:10', 'terminal'],
          ['stripe:9', 'terminal'],
          ['stripe:B', 'terminal'],
          ['stripe:a', 'retry'],
        ]),
      )
      expect(rules.network).toMatchObject({visaReattempts30d: 7, mastercardDeclines24h: 4})
      expect(await h.write(deleteNetworkSetting.ops('visa-reattempts-30d'))).toBe(true)
    })

    it('counts each decline code seen, its unmapped sightings, and the last one’s details', async () => {
      expect(await h.read(countUnmappedCodes.ops())).toEqual({codes: 0, payments: 0})
      await h.write(
        (function* () {
          const seen = (provider: string, code: string, basis: 'unmapped' | 'table', txnId: string) => ({
            provider,
            kind: provider.replace(/1$/, ''),
            code,
            basis,
            decision: basis === 'unmapped' ? ('terminal' as const) : ('retry' as const),
            message: `${code} ✓`,
            txnId,
          })
          yield* noteDeclineCode.ops(seen('stripe1', 'do_not_honor', 'unmapped', 't1'), at(1))
          yield* noteDeclineCode.ops(seen('stripe1', 'do_not_honor', 'table', 't2'), at(2))
          yield* noteDeclineCode.ops(seen('stripe1', '05', 'table', 't3'), at(3))
          for (const [i, txnId] of ['t4', 't5', 't6'].entries())
            yield* noteDeclineCode.ops(seen('adyen1', 'Refused', 'unmapped', txnId), at(10 + i))
        })(),
      )
      const codes = await h.read(listDeclineCodes.ops())
      expect(codes.map((c) => [c.provider, c.code, c.seenCount, c.unmappedCount])).toEqual([
        ['adyen1', 'Refused', 3, 3],
        ['stripe1', 'do_not_honor', 2, 1],
        ['stripe1', '05', 1, 0],
      ])
      expect(codes[1]).toEqual({
        provider: 'stripe1',
        kind: 'stripe',
        code: 'do_not_honor',
        seenCount: 2,
        unmappedCount: 1,
        lastBasis: 'table',
        lastDecision: 'retry',
        lastMessage: 'do_not_honor ✓',
        lastTxnId: 't2',
        firstSeenAt: at(1),
        lastSeenAt: at(2),
      })
      expect((await h.read(listDeclineCodes.ops({unmapped: true}))).map((c) => c.code)).toEqual([
        'Refused',
        'do_not_honor',
      ])
      expect((await h.read(listDeclineCodes.ops({provider: 'stripe1', kind: 'stripe'}))).map((c) => c.code)).toEqual([
        'do_not_honor',
        '05',
      ])
      expect(await h.read(listDeclineCodes.ops({kind: 'nobody'}))).toEqual([])
      expect(await h.read(countUnmappedCodes.ops())).toEqual({codes: 2, payments: 4})
      await h.write(putOverride.ops({kind: 'adyen', code: 'Refused', decision: 'retry', note: null, updatedBy: 'ana'}))
      expect(await h.read(countUnmappedCodes.ops())).toEqual({codes: 1, payments: 1})
    })

    it('adds, changes and removes grants; an unknown provider is refused and nothing is written', async () => {
      const outcomes = await h.write(
        (function* () {
          return [
            yield* addGrant.ops({provider: 'stripe1', segment: 'gold', site: 'berlin', access: 'read'}),
            yield* addGrant.ops({provider: 'stripe1', segment: 'gold', site: 'berlin', access: 'read'}),
            yield* addGrant.ops({provider: 'stripe1', segment: 'gold', site: 'berlin', access: 'write'}),
            yield* addGrant.ops({provider: 'stripe1', segment: '*', site: 'zürich', access: 'read'}),
            yield* addGrant.ops({provider: 'adyen1', segment: '*', site: '*', access: 'write'}),
          ]
        })(),
      )
      expect(outcomes).toEqual(['inserted', 'unchanged', 'updated', 'inserted', 'inserted'])
      await expect(
        h.write(addGrant.ops({provider: 'nobody', segment: '*', site: '*', access: 'read'})),
      ).rejects.toBeInstanceOf(UsageError)
      const all = await h.read(listGrants.ops())
      expect(all.map((g) => [g.provider, g.segment, g.site, g.access])).toEqual([
        ['adyen1', '*', '*', 'write'],
        ['stripe1', '*', 'zürich', 'read'],
        ['stripe1', 'gold', 'berlin', 'write'],
      ])
      // The change of access kept the time of the first insert: the clock's first reading.
      expect(all[2]!.createdAt).toBe('2024-05-01T10:00:00.000Z')
      expect((await h.read(listGrants.ops('adyen1'))).length).toBe(1)
      expect(await h.read(listGrants.ops('nobody'))).toEqual([])
      expect(await h.write(removeGrant.ops({provider: 'stripe1', segment: 'gold', site: 'berlin'}))).toBe(true)
      expect(await h.write(removeGrant.ops({provider: 'stripe1', segment: 'gold', site: 'berlin'}))).toBe(false)
      expect((await h.read(listGrants.ops('stripe1'))).map((g) => g.segment)).toEqual(['*'])
    })

    it('says whether a segment matches no customer, only once customers exist', async () => {
      expect(await h.read(segmentUnknown.ops('gold'))).toBe(false)
      expect(await h.read(segmentUnknown.ops('silver'))).toBe(true)
      await h.write(
        (function* () {
          yield* run('DELETE FROM customers')
        })(),
      )
      expect(await h.read(segmentUnknown.ops('silver'))).toBe(false)
    })
  })
})

/**
 * Two hosts on one PostgreSQL database, each its own pool. Nothing claims due retries (the `retry:run` lease keeps
 * to one runner at a time); what two writers can race on is a chain's queueing, its end and an attempt's (chain,
 * seq), and there the second must wait for the first and then see what it did, never act twice.
 */
describe.skipIf(postgres.skip !== undefined)('two hosts on one PostgreSQL ledger', () => {
  let stores: Store[] = []
  let hostA: LedgerHandle
  let hostB: LedgerHandle
  beforeEach(async () => {
    const database = await postgres.freshDatabase()
    const client = await database.connect()
    await runPgMigrations(client, PG_MIGRATIONS, database.name)
    stores = [pgStore(database.connection), pgStore(database.connection)]
    hostA = storeHandle(stores[0]!, steppingClock())
    hostB = storeHandle(stores[1]!, steppingClock())
    await hostA.write(seed())
  })
  afterEach(async () => {
    for (const store of stores) await store.close()
  })

  /** Keeps the caller's transaction open until another one waits on a lock it holds (at most about 5 s). */
  function* holdUntilWaitedOn(): Ops<boolean> {
    for (let i = 0; i < 500; i++) {
      // pg_locks, not pg_stat_activity: that one is read once per transaction, and this loop is one transaction.
      const waiting = yield* value<number>('SELECT count(*) FROM pg_locks WHERE NOT granted')
      if (waiting! > 0) return true
      yield* run('SELECT pg_sleep(0.01)')
    }
    return false
  }

  /**
   * A's body takes its locks, then B starts and must wait for them; A commits once B is seen waiting. Both
   * outcomes, and whether B really waited.
   */
  async function race<A, B>(first: () => Ops<A>, second: () => Ops<B>) {
    let taken!: () => void
    const locked = new Promise<void>((resolve) => (taken = resolve))
    const a = hostA.write(
      (function* () {
        const result = yield* first()
        taken()
        return {result, waited: yield* holdUntilWaitedOn()}
      })(),
    )
    // B starts once A holds its locks, or A has failed (then B's outcome says nothing of a race).
    const b = Promise.race([locked, a.then(noop, noop)]).then(() => hostB.write(second()))
    const [settledA, settledB] = await Promise.allSettled([a, b])
    return {a: settledA, b: settledB}
  }

  it('queues a payment once when two hosts queue it at the same time', async () => {
    const {a, b} = await race(
      () => insertRetry.ops(failed('stripe1:ch_1', {note: 'host A'})),
      () => insertRetry.ops(failed('stripe1:ch_1', {note: 'host B'})),
    )
    expect(a).toMatchObject({status: 'fulfilled', value: {result: expect.any(Number), waited: true}})
    expect(b).toEqual({status: 'fulfilled', value: null})
    const rows = await hostB.read(listRetries.ops({statuses: ['queued'], limit: 10}))
    expect(rows.map((r) => r.note)).toEqual(['host A'])
  })

  it('ends a chain once when two hosts end it at the same time; a recovery still ends a canceled one', async () => {
    const one = (await hostA.write(insertRetry.ops(failed('stripe1:one'))))!
    const ended = await race(
      () => finishRetry.ops(one, {status: 'exhausted', note: 'host A', now: at(5)}),
      () => finishRetry.ops(one, {status: 'stopped', note: 'host B', now: at(5)}),
    )
    expect(ended.a).toMatchObject({status: 'fulfilled', value: {result: true, waited: true}})
    expect(ended.b).toEqual({status: 'fulfilled', value: false})
    expect(await hostB.read(getRetry.ops(one))).toMatchObject({status: 'exhausted', note: 'host A'})

    const two = (await hostA.write(insertRetry.ops(failed('stripe1:two'))))!
    const recovered = await race(
      () => finishRetry.ops(two, {status: 'canceled', note: 'admin on A', now: at(6)}),
      () =>
        finishRetry.ops(two, {
          status: 'recovered',
          note: 'paid, seen on B',
          now: at(7),
          recovery: {txnId: 'stripe1:paid', via: 'primary', slot: 1},
        }),
    )
    expect(recovered.a).toMatchObject({status: 'fulfilled', value: {result: true, waited: true}})
    expect(recovered.b).toEqual({status: 'fulfilled', value: true})
    expect(await hostA.read(getRetry.ops(two))).toMatchObject({status: 'recovered', recoveredTxn: 'stripe1:paid'})
  })

  it('records one attempt per (chain, seq) when two hosts record the same one', async () => {
    const id = (await hostA.write(insertRetry.ops(failed('stripe1:ch_1'))))!
    const {a, b} = await race(
      () => insertAttempt.ops(attempt(id, 1, {idempotencyKey: 'key-a'})),
      () => insertAttempt.ops(attempt(id, 1, {idempotencyKey: 'key-b'})),
    )
    expect(a).toMatchObject({status: 'fulfilled', value: {result: {seq: 1, idempotencyKey: 'key-a'}, waited: true}})
    expect(b.status).toBe('rejected')
    expect(constraintCode((b as PromiseRejectedResult).reason)).toBe('23505')
    expect((await hostB.read(attemptsOf.ops(id))).map((row) => row.idempotencyKey)).toEqual(['key-a'])
  })
})
