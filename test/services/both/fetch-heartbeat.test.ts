import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {leaseOwner} from '../../../src/services/lease-owner.js'
import type {Connections} from '../../../src/services/webhooks/connections.js'
import {createFetcher, FETCHER_HEARTBEAT_MS, takeDueFetches} from '../../../src/services/webhooks/fetcher.js'
import {all, run} from '../../../src/store/ops/op.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {fetcherLease, insertWebhookEvent} from '../../../src/store/repos/webhook-events.js'
import {testPostgres} from '../../helpers/postgres.js'
import {testContext} from '../../helpers/sync-world.js'
import {handleEngines, type HandleUnderTest} from '../../store/ops/engines.js'
import {thinEvent} from '../webhooks/thin-event.js'

const postgres = await testPostgres()
const pg = handleEngines(postgres).find((e) => e.engine === 'postgres')!

/**
 * Webhook fetch claims across hosts (PostgreSQL): a fetcher on another machine cannot be seen dead by its pid, so each
 * fetcher keeps a heartbeat lease while it may hold claims, and a claimant whose heartbeat lapsed (or never beat)
 * is dead wherever it ran: its claims are read at once rather than when they lapse (FETCH_CLAIM_MS, 10 minutes).
 */
describe.skipIf(pg.skip !== undefined)('webhook fetch claims of a fetcher on another host', () => {
  /** Another machine's fetcher: its pid means nothing here. */
  const ELSEWHERE = 'webhooks@another-host#4242#99#abcd1234'
  let t = Date.parse('2026-05-01T10:00:00.000Z')
  const at = () => new Date(t).toISOString()
  let h: HandleUnderTest

  beforeEach(async () => {
    t = Date.parse('2026-05-01T10:00:00.000Z')
    h = await pg.open(() => t)
    await h.handle.write(() =>
      (function* () {
        yield* insertProvider.ops({id: 'stripe', kind: 'stripe', baseUrl: 'http://127.0.0.1:9', settings: {}})
        for (let i = 1; i <= 3; i++) yield* insertWebhookEvent.ops(thinEvent(`evt_${i}`, at()))
      })(),
    )
    // The other host claims all three, beating as it does.
    expect(await takeDueFetches(h.another(), at(), ELSEWHERE)).toHaveLength(3)
  })
  afterEach(async () => h.close())

  const claims = () =>
    h.handle.read(all<{claimed_by: string | null}>('SELECT claimed_by FROM webhook_events ORDER BY id'))
  const heartbeats = () =>
    h.handle.read(
      all<{name: string; expires_at: string}>(
        `SELECT name, expires_at FROM leases WHERE name LIKE 'webhooks:fetch:%' ORDER BY name`,
      ),
    )

  it('while its heartbeat lasts, its claims are left to it', async () => {
    expect(await heartbeats()).toEqual([
      {name: fetcherLease(ELSEWHERE), expires_at: new Date(t + FETCHER_HEARTBEAT_MS).toISOString()},
    ])
    t += FETCHER_HEARTBEAT_MS - 1_000
    expect(await takeDueFetches(h.handle, at(), leaseOwner('webhooks'))).toEqual([])
    expect(await claims()).toEqual(Array(3).fill({claimed_by: ELSEWHERE}))
  })

  it('once its heartbeat lapsed, its claims are read at once, and its heartbeat goes', async () => {
    t += FETCHER_HEARTBEAT_MS
    const me = leaseOwner('webhooks')
    expect((await takeDueFetches(h.handle, at(), me)).map((r) => r.dedupKey)).toEqual(['evt_1', 'evt_2', 'evt_3'])
    expect(await claims()).toEqual(Array(3).fill({claimed_by: me}))
    expect(await heartbeats()).toEqual([
      {name: fetcherLease(me), expires_at: new Date(t + FETCHER_HEARTBEAT_MS).toISOString()},
    ])
  })

  it('a claimant that never beat (a fetcher from before heartbeats) is dead too', async () => {
    await h.handle.write(run(`UPDATE webhook_events SET claimed_by = 'webhooks@old-host#7#7#00000000'`))
    expect(await takeDueFetches(h.handle, at(), leaseOwner('webhooks'))).toHaveLength(3)
  })

  it('a fetcher beats while a read holds it, and its stop takes its heartbeat and the lapsed ones away', async () => {
    vi.useFakeTimers({toFake: ['setInterval', 'clearInterval']})
    try {
      t += FETCHER_HEARTBEAT_MS // the other host is dead now
      let reading: () => void = () => undefined
      const read = new Promise<void>((resolve) => (reading = resolve))
      let asked = 0
      // A gateway read that takes longer than a heartbeat: the fetcher's first read waits until the test lets it go.
      const connections = {
        provider: async () => {
          if (asked++ === 0) await read
          return undefined
        },
        takeCalls: () => [],
      } as unknown as Connections
      const fetcher = createFetcher(
        h.handle,
        testContext('/nonexistent', {}, () => t),
        {connections, now: () => t},
      )
      fetcher.wake()
      await vi.waitFor(() => expect(asked).toBe(1))
      const [mine] = await heartbeats()
      const started = Date.parse(mine!.expires_at) - FETCHER_HEARTBEAT_MS
      // Past the claim's own heartbeat: only the timer keeps it alive.
      t = started + FETCHER_HEARTBEAT_MS - 5_000
      vi.advanceTimersByTime(FETCHER_HEARTBEAT_MS / 3)
      await vi.waitFor(async () =>
        expect((await heartbeats())[0]!.expires_at).toBe(new Date(t + FETCHER_HEARTBEAT_MS).toISOString()),
      )
      // Another host looking now finds it alive, though its first heartbeat would have lapsed.
      t = started + FETCHER_HEARTBEAT_MS + 1_000
      const probe = 'webhooks@third-host#1#1#probe000'
      expect(await takeDueFetches(h.another(), at(), probe)).toEqual([])
      reading()
      // The probe's heartbeat lapses: it dies holding nothing, and the stop prunes its heartbeat.
      t += FETCHER_HEARTBEAT_MS
      await fetcher.stop()
      expect(await heartbeats()).toEqual([])
      expect((await claims()).every((c) => c.claimed_by === null)).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })
})
