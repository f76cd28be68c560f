import {afterEach, describe, expect, it, vi} from 'vitest'

import type {Connections} from '../../../src/services/webhooks/connections.js'
import {createFetcher} from '../../../src/services/webhooks/fetcher.js'
import {type LedgerHandle, sqliteHandle} from '../../../src/store/ops/ledger-handle.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {insertWebhookEvent} from '../../../src/store/repos/webhook-events.js'
import {testContext} from '../../helpers/sync-world.js'
import {tempDb} from '../../store/helpers.js'
import {thinEvent} from './thin-event.js'

/**
 * A fetcher woken while it is finishing (its last claim came back empty, it is reading when to wake next) must look
 * again: the wake says a commit stored an event to read, which that read may have missed. Found by the webhooks'
 * convergence test on PostgreSQL, where an event committed then waited for a wake that never came.
 */
describe('the webhook fetcher, woken while it finishes', () => {
  const T = Date.parse('2026-05-01T10:00:00.000Z')
  let cleanup: () => void = () => undefined
  afterEach(() => cleanup())

  it('reads the event a commit stored meanwhile, without another wake', async () => {
    const made = tempDb({clock: () => T})
    cleanup = made.cleanup
    const base = sqliteHandle(made.db)
    await base.write(insertProvider.ops({id: 'stripe', kind: 'stripe', baseUrl: 'http://127.0.0.1:9', settings: {}}))
    // The fetcher's second read (after its claim: when the next event is due) answers only once the test lets it,
    // having read the ledger before the event below is committed.
    let reads = 0
    let open: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (open = resolve))
    const ledger: LedgerHandle = {
      ...base,
      read: async (body) => {
        const answer = await base.read(body)
        if (++reads === 2) await gate
        return answer
      },
    }
    let asked = 0
    const connections = {
      provider: async () => void asked++,
      takeCalls: () => [],
    } as unknown as Connections
    const fetcher = createFetcher(
      ledger,
      testContext('/nonexistent', {}, () => T),
      {connections, now: () => T},
    )
    try {
      fetcher.wake()
      await vi.waitFor(() => expect(reads).toBe(2))
      await base.write(insertWebhookEvent.ops(thinEvent('evt_1', new Date(T).toISOString())))
      fetcher.wake() // what the server does once that commit is durable
      open()
      await vi.waitFor(() => expect(asked).toBe(1), {timeout: 2_000})
    } finally {
      open()
      await fetcher.stop()
    }
  })
})
