import {createServer, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Webhook} from 'standardwebhooks'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {AppContext} from '../../../src/app/context.js'
import {createMemoryKeychain, createSecretStore, type SecretStore} from '../../../src/secrets/index.js'
import {flushAlerts, type FlushResult} from '../../../src/services/alerts/flush.js'
import {raiseAlert} from '../../../src/services/alerts/raise.js'
import {rotateAlertSecret} from '../../../src/services/alerts/rotate.js'
import {alertOnRunEnd} from '../../../src/services/alerts/run-events.js'
import {
  addAlertTarget,
  enableAlertTarget,
  listAlertTargets,
  removeAlertTarget,
} from '../../../src/services/alerts/targets.js'
import {testAlertTarget} from '../../../src/services/alerts/test-target.js'
import {verifyAudit} from '../../../src/services/audit.js'
import type {LedgerHandle} from '../../../src/store/ops/ledger-handle.js'
import {values} from '../../../src/store/ops/op.js'
import {dueDeliveries} from '../../../src/store/repos/alerts-outbox.js'
import {acquireLease} from '../../../src/store/repos/leases.js'
import {storeId} from '../../../src/store/repos/store-identity.js'
import {testPostgres} from '../../helpers/postgres.js'
import {testContext} from '../../helpers/sync-world.js'
import {alertReceiver, secretOf} from '../alerts/helpers.js'
import {type HandleUnderTest, handleEngines} from '../../store/ops/engines.js'

const postgres = await testPostgres()

const SECRET = secretOf(4)
/** The `ops` target's signing secret as cron provides it: delivery reads it through the ledger's own secret store. */
const ENV = {YMS_PAY_SECRET_ALERT_OPS_SECRET: SECRET}

/**
 * A receiver that holds the first `hold` requests unanswered until `release()` (a slow receiver: the sender's batch
 * is in flight meanwhile), and answers the others at once. Every request is verified before it is counted.
 */
async function heldReceiver(hold: number) {
  const received: Array<{id: string; verified: boolean}> = []
  const held: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let verified = true
      try {
        new Webhook(SECRET).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>)
      } catch {
        verified = false
      }
      received.push({id: String(req.headers['webhook-id']), verified})
      if (received.length <= hold) held.push(res)
      else res.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    held: () => held.length,
    release: () => {
      for (const res of held.splice(0)) res.writeHead(200).end()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held.splice(0)) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe.each(handleEngines(postgres))('alerts on $engine', ({engine, skip, open}) => {
  // Real time, moved on by a test to make a retry due: the receiver checks each signature's timestamp against it.
  let offsetMs = 0
  const clock = () => Date.now() + offsetMs
  let ledger: HandleUnderTest
  let ctx: AppContext
  const closers: Array<() => Promise<void>> = []
  beforeEach(async () => {
    offsetMs = 0
    ctx = testContext(join(tmpdir(), 'yms-alerts-both'), {...ENV}, clock)
    if (skip === undefined) ledger = await open(clock)
  })
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!()
    if (skip === undefined) await ledger.close()
  })

  const at = () => new Date(clock()).toISOString()
  const raiseBalance = (handle: LedgerHandle, customer: string, n: number) =>
    handle.write(
      raiseAlert.ops({event: 'balance_changed', subject: customer, customer, site: 'berlin', data: {n}, at: at()}),
    )
  const messageIds = async () =>
    (await ledger.handle.read(values<string>('SELECT message_id FROM alerts_outbox ORDER BY seq'))).sort()
  const addOps = async (url: string) =>
    addAlertTarget(ledger.handle, ctx, {id: 'ops', format: 'standard', url, events: '*', secrets: {}})
  /** A keychain of the test's own, under the ledger's store id, for what the commands store there. */
  const memoryStore = async (): Promise<SecretStore> =>
    createSecretStore({
      namespace: await ledger.handle.read(storeId.ops()),
      env: {},
      backend: createMemoryKeychain(),
    })

  describe.skipIf(skip !== undefined)('', () => {
    it('raised alerts reach a loopback receiver signed, each once, in order per customer; a failed attempt is retried when due', async () => {
      const rx = await alertReceiver([SECRET], (i) => ({status: i === 0 ? 503 : 200}))
      closers.push(rx.close)
      await addOps(rx.url)
      for (let n = 0; n < 3; n++) for (const c of ['c1', 'c2', 'c3']) await raiseBalance(ledger.handle, c, n)
      // A run that got no answer raises gateway_down once; the next down run is the same outage.
      const down = () =>
        alertOnRunEnd.ops({provider: 'p1', status: 'failed', reach: 'down', error: {message: 'x', code: 'x'}, at: at()})
      await ledger.handle.write(down())
      await ledger.handle.write(down())
      expect(await messageIds()).toHaveLength(10)

      // One attempt at a time: the first head (c1's first alert) is refused, and the receiver is set aside for the
      // rest of the call; the other heads of that batch were not attempted and are due at once.
      const first = await flushAlerts(ledger.handle, ctx, {concurrency: 1})
      expect(first).toMatchObject({attempted: 1, delivered: 0, retrying: 1, pending: 10, deferred: ['ops']})
      const second = await flushAlerts(ledger.handle, ctx, {concurrency: 1})
      expect(second).toMatchObject({attempted: 7, delivered: 7, retrying: 0, pending: 3, deferred: []})
      // c1's alerts wait for its retry, 5 s after the refusal: the order per customer holds.
      expect(Date.parse(second.nextAttemptAt!) - clock()).toBeGreaterThan(3_000)
      expect(await flushAlerts(ledger.handle, ctx)).toMatchObject({attempted: 0, pending: 3})

      offsetMs += 5_000
      const third = await flushAlerts(ledger.handle, ctx)
      expect(third).toMatchObject({delivered: 3, retrying: 0, pending: 0, nextAttemptAt: null, busy: null})

      expect(rx.received).toHaveLength(11)
      expect(rx.received.every((r) => r.verified)).toBe(true)
      const accepted = rx.accepted().map((r) => r.id)
      expect(accepted.sort()).toEqual(await messageIds())
      expect(accepted).toContain(rx.received[0]!.id)
      for (const c of ['c1', 'c2', 'c3'])
        expect(
          rx
            .accepted()
            .filter((r) => r.payload?.data.customer === c)
            .map((r) => r.payload?.data.n),
        ).toEqual([0, 1, 2])
      expect(rx.accepted().filter((r) => r.payload?.type === 'gateway_down')).toHaveLength(1)

      const [view] = await listAlertTargets(ledger.handle, ctx)
      expect(view).toMatchObject({
        id: 'ops',
        secrets: [{field: 'secret', source: 'env'}],
        deliveries: {pending: 0, delivered: 10, failed: 0, lastError: null},
      })
      expect(await ledger.handle.read(verifyAudit.ops())).toMatchObject({ok: true})
    })

    it('a receiver that answers 410 Gone is disabled, audited, no attempt spent; enabled again, its alerts go out at once', async () => {
      let gone = true
      const rx = await alertReceiver([SECRET], () => ({status: gone ? 410 : 200}))
      closers.push(rx.close)
      await addOps(rx.url)
      await raiseBalance(ledger.handle, 'c1', 0)
      await raiseBalance(ledger.handle, 'c1', 1)
      await raiseBalance(ledger.handle, 'c2', 0)
      const r = await flushAlerts(ledger.handle, ctx, {concurrency: 1})
      expect(r).toMatchObject({attempted: 1, disabled: ['ops'], pending: 0, pendingDisabled: 3, nextAttemptAt: null})
      const audit = await ledger.handle.read(
        values<string>(`SELECT subject FROM audit_log WHERE action = 'alert.target_disabled'`),
      )
      expect(audit).toEqual(['ops'])

      gone = false
      expect((await enableAlertTarget(ledger.handle, ctx, 'ops')).deliveries).toMatchObject({pending: 3, failed: 0})
      expect(await flushAlerts(ledger.handle, ctx)).toMatchObject({delivered: 3, pending: 0})
      expect(
        rx
          .accepted()
          .filter((a) => a.payload?.data.customer === 'c1')
          .map((a) => a.payload?.data.n),
      ).toEqual([0, 1])
      expect(
        rx
          .accepted()
          .map((a) => a.id)
          .sort(),
      ).toEqual(await messageIds())
    })

    it('targets: added, rotated (both secrets sign), tested, enabled and removed with what waited, audited', async () => {
      const store = await memoryStore()
      const [before, after] = [secretOf(7), secretOf(8)]
      const rx = await alertReceiver([before, after])
      closers.push(rx.close)
      const added = await addAlertTarget(
        ledger.handle,
        ctx,
        {id: 'yms', format: 'standard', url: rx.url, events: 'balance_changed', secrets: {secret: before}},
        store,
      )
      expect(added).toMatchObject({id: 'yms', events: ['balance_changed'], secrets: [{source: 'keychain'}]})
      await expect(
        addAlertTarget(ledger.handle, ctx, {id: 'yms', format: 'standard', url: rx.url, secrets: {}}, store),
      ).rejects.toThrow('already exists')

      const rotated = await rotateAlertSecret(
        ledger.handle,
        ctx,
        'yms',
        async () => after,
        {overlapMs: 3_600_000},
        store,
      )
      expect(Date.parse(rotated.rotationEndsAt!) - clock()).toBeGreaterThan(3_590_000)
      expect(rotated.secrets.map((s) => s.field)).toEqual(['secret', 'previous_secret'])

      const tested = await testAlertTarget(ledger.handle, ctx, 'yms', {}, store)
      expect(tested).toMatchObject({delivered: true, status: 200})
      expect(rx.received[0]!.signature.split(' ')).toHaveLength(2)
      await expect(testAlertTarget(ledger.handle, ctx, 'nobody', {}, store)).rejects.toThrow('unknown alert target')

      await raiseBalance(ledger.handle, 'c1', 0)
      expect((await enableAlertTarget(ledger.handle, ctx, 'yms', store)).deliveries.pending).toBe(1)
      expect(await removeAlertTarget(ledger.handle, ctx, 'yms', store)).toEqual({
        id: 'yms',
        removed: true,
        pendingDropped: 1,
        secretsDeleted: ['secret', 'previous_secret'],
      })
      expect(await listAlertTargets(ledger.handle, ctx, store)).toEqual([])
      const actions = await ledger.handle.read(
        values<string>(`SELECT action FROM audit_log WHERE action LIKE 'alert.%' ORDER BY seq`),
      )
      expect(actions).toEqual(['alert.add', 'alert.rotate_secret', 'alert.test', 'alert.enable', 'alert.remove'])
      expect(await ledger.handle.read(verifyAudit.ops())).toMatchObject({ok: true})
    })

    it('two hosts flushing at once deliver every alert exactly once, in order per customer', async () => {
      const rx = await alertReceiver([SECRET])
      closers.push(rx.close)
      await addOps(rx.url)
      const customers = Array.from({length: 12}, (_, i) => `c${i}`)
      for (let n = 0; n < 3; n++) for (const c of customers) await raiseBalance(ledger.handle, c, n)
      const hosts = [ledger.handle, ledger.another()]
      const flushing = async (host: LedgerHandle) => {
        const rounds: FlushResult[] = []
        for (let i = 0; i < 200; i++) {
          const r = await flushAlerts(host, ctx, {concurrency: 4})
          rounds.push(r)
          if (r.busy === null && r.pending === 0) break
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
        return rounds
      }
      const rounds = (await Promise.all(hosts.map(flushing))).flat()
      expect(rounds.reduce((sum, r) => sum + r.delivered, 0)).toBe(36)
      expect(rx.received).toHaveLength(36)
      expect(
        rx
          .accepted()
          .map((r) => r.id)
          .sort(),
      ).toEqual(await messageIds())
      for (const c of customers)
        expect(
          rx
            .accepted()
            .filter((r) => r.payload?.data.customer === c)
            .map((r) => r.payload?.data.n),
        ).toEqual([0, 1, 2])
    })

    it('a deliverer that stalled past its lease while another host took it over sends nothing more (exit 75)', async () => {
      // One attempt at a time, the first held by the receiver: host A's batch of three is in flight, one sent.
      const rx = await heldReceiver(1)
      closers.push(rx.close)
      await addOps(rx.url)
      for (const c of ['c1', 'c2', 'c3']) await raiseBalance(ledger.handle, c, 0)
      const opts = {concurrency: 1, timeoutMs: 3_000}
      const a = flushAlerts(ledger.handle, ctx, opts)
      await until(() => rx.held() === 1, "host A's first send at the receiver")
      // A stalls past the lease's TTL (64 attempts of 3 s, and 30 s); host B takes the lease over and delivers all.
      offsetMs += 64 * 3_000 + 30_000 + 1_000
      const b = await flushAlerts(ledger.another(), ctx, opts)
      expect(b).toMatchObject({busy: null, delivered: 3, pending: 0})
      rx.release()
      // A's answer is recorded; its next send would repeat B's, behind its back: A stops instead, though B has released
      // the lease by now and A could own it again (it was not held throughout).
      await expect(a).rejects.toMatchObject({code: 'lease_held', exitCode: 75})
      expect(rx.received.map((r) => r.id).sort()).toEqual([...(await messageIds()), rx.received[0]!.id].sort())
    })

    it("a host taking the delivery lease over from an expired holder releases that holder's claims: due at once", async () => {
      const rx = await heldReceiver(0)
      closers.push(rx.close)
      await addOps(rx.url)
      for (const c of ['c1', 'c2', 'c3']) await raiseBalance(ledger.handle, c, 0)
      // A holder that died (on another host) with its batch claimed for longer than its lease lasts.
      const dead = 'alerts@elsewhere#1#1#dead'
      await ledger.handle.write(() =>
        (function* () {
          yield* acquireLease.ops('alerts:deliver', dead, 60_000)
          return yield* dueDeliveries.ops(at(), 64, [], 600_000, dead)
        })(),
      )
      offsetMs += 61_000
      expect(await flushAlerts(ledger.another(), ctx)).toMatchObject({busy: null, delivered: 3, pending: 0})
      expect(rx.received.map((r) => r.id).sort()).toEqual(await messageIds())
    })

    it.runIf(engine === 'postgres')(
      'a host that lost the lease mid-batch stops; the one taking it over sends what it had claimed, at once',
      async () => {
        // Concurrency 8: the first wave of host A's batch of 64 is held by the receiver until released.
        const rx = await heldReceiver(8)
        closers.push(rx.close)
        await addOps(rx.url)
        for (let c = 0; c < 70; c++) await raiseBalance(ledger.handle, `c${c}`, 0)
        const a = flushAlerts(ledger.handle, ctx)
        await until(() => rx.held() === 8, "host A's first wave at the receiver")
        // A stalls past its lease (8 waves of 15 s, and 30 s); B takes it over and releases A's claims.
        offsetMs += 8 * 15_000 + 30_000 + 1_000
        const b = await flushAlerts(ledger.another(), ctx)
        expect(b).toMatchObject({busy: null, delivered: 70, pending: 0})
        rx.release()
        await expect(a).rejects.toMatchObject({code: 'lease_held'})
        // Only A's first wave, in flight when it stalled, went twice: under the same ids, which the receiver dedups.
        expect(rx.received).toHaveLength(78)
        expect([...new Set(rx.received.map((r) => r.id))].sort()).toEqual(await messageIds())
      },
    )
  })
})
