import {Agent, request} from 'undici'

import type {Clock} from '../core/clock.js'
import type {GatewayEmulator, SignedWebhook} from './emulator.js'
import type {ScenarioEvent} from './model.js'

/**
 * Pushes an emulator's webhooks to a receiver as the scenario's clock reaches each event, the way a gateway
 * would: in time order, retried on a non-2xx answer or a network error on a schedule shaped like a gateway's
 * but compressed to seconds, sometimes delivered twice and sometimes after the one that followed it (receivers must
 * de-duplicate, and must not assume order).
 */
export interface WebhookDeliveryOptions {
  emulator: Pick<GatewayEmulator, 'webhooks' | 'scheduledWebhooks'>
  /** The events this emulator announces, oldest first (scenarioEvents(paymentsFor(...))). */
  events: readonly ScenarioEvent[]
  targetUrl: string
  clock: Clock
  /** Events at or before this time count as announced already (e.g. history a sync backfills). */
  from?: string
  /** Waits between attempts; length + 1 is the number of attempts. */
  retryDelaysMs?: readonly number[]
  sleep?: (ms: number) => Promise<void>
  /** Asked once per webhook: true delivers it a second time after the first success. */
  duplicate?: () => boolean
  /** Asked once per webhook: true holds it back until the one after it is delivered (gateways promise no order). */
  reorder?: () => boolean
  timeoutMs?: number
  /** Events signed per emulator.webhooks call, so a backlog of a million events is not signed at once. */
  batchSize?: number
  onAttempt?: (attempt: DeliveryAttempt) => void
}

export interface DeliveryAttempt {
  dedupId: string
  attempt: number // 1-based
  status: number | null // null: network error or timeout
  error?: string
}

export interface DeliveryStats {
  delivered: number // webhooks that reached a 2xx (a duplicate counts once)
  failed: number // webhooks whose attempts were all refused
  duplicates: number // extra deliveries
  reordered: number // webhooks delivered after the one that followed them
  attempts: number
  pending: number // events not yet due
}

export interface WebhookDelivery {
  /** Delivers every event due by `now` (default clock.now()); resolves when they are done. */
  deliverDue(now?: number): Promise<DeliveryStats>
  /** Polls deliverDue every `intervalMs` until stop(). */
  start(intervalMs?: number): void
  stop(): Promise<void>
  stats(): DeliveryStats
}

const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000]

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function createWebhookDelivery(opts: WebhookDeliveryOptions): WebhookDelivery {
  const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS
  const sleep = opts.sleep ?? realSleep
  const timeoutMs = opts.timeoutMs ?? 10_000
  const batchSize = opts.batchSize ?? 100
  const agent = new Agent({connections: 4, headersTimeout: timeoutMs, bodyTimeout: timeoutMs})
  const counters = {delivered: 0, failed: 0, duplicates: 0, reordered: 0, attempts: 0}
  let cursor = 0
  // The gateway's own scheduled webhooks (scheduledWebhooks) are announced up to here.
  let scheduledUpTo = opts.from !== undefined ? Date.parse(opts.from) : Number.NEGATIVE_INFINITY
  if (opts.from !== undefined) {
    const from = opts.from
    while (cursor < opts.events.length && opts.events[cursor]!.at <= from) cursor++
  }
  let running: Promise<DeliveryStats> | null = null
  let stopped = false
  let timer: NodeJS.Timeout | null = null
  let wake: () => void = () => undefined
  const stopping = new Promise<void>((resolve) => (wake = resolve))
  // stop() must not wait out a retry back-off.
  const pause = (ms: number): Promise<void> => Promise.race([sleep(ms), stopping])

  const stats = (): DeliveryStats => ({...counters, pending: opts.events.length - cursor})

  const post = async (hook: SignedWebhook): Promise<{status: number | null; error?: string}> => {
    try {
      const response = await request(opts.targetUrl, {
        method: 'POST',
        headers: hook.headers,
        body: hook.body,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
      })
      await response.body.dump()
      return {status: response.statusCode}
    } catch (error) {
      return {status: null, error: (error as Error).message}
    }
  }

  const deliverOne = async (hook: SignedWebhook): Promise<boolean> => {
    for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
      if (stopped) return false
      const result = await post(hook)
      counters.attempts++
      opts.onAttempt?.({dedupId: hook.dedupId, attempt, ...result})
      if (result.status !== null && result.status >= 200 && result.status < 300) return true
      const delay = delays[attempt - 1]
      if (delay === undefined) break
      await pause(delay)
    }
    return false
  }

  const run = async (now: number): Promise<DeliveryStats> => {
    const nowIso = new Date(now).toISOString()
    const scheduled = opts.emulator.scheduledWebhooks?.(scheduledUpTo, now, opts.targetUrl) ?? []
    scheduledUpTo = Math.max(scheduledUpTo, now)
    while (!stopped && cursor < opts.events.length && opts.events[cursor]!.at <= nowIso) {
      let end = cursor
      while (end < opts.events.length && end - cursor < batchSize && opts.events[end]!.at <= nowIso) end++
      const batch = opts.events.slice(cursor, end)
      cursor = end
      // Scheduled webhooks due by this batch's last event go out with it, in time order.
      const last = batch[batch.length - 1]!.at
      const due = scheduled.filter((h) => h.at <= last)
      scheduled.splice(0, due.length)
      const hooks = [...opts.emulator.webhooks(batch, opts.targetUrl), ...due]
      // Stable time order even if an emulator returns one event's hooks out of order.
      const ordered = hooks
        .map((hook, i) => ({hook, i}))
        .sort((a, b) => (a.hook.at < b.hook.at ? -1 : a.hook.at > b.hook.at ? 1 : a.i - b.i))
      let held: SignedWebhook | null = null
      for (const {hook} of ordered) {
        if (held === null && opts.reorder?.()) {
          held = hook
          counters.reordered++
          continue
        }
        await deliverWhole(hook)
        if (held) await deliverWhole(held)
        held = null
      }
      if (held) await deliverWhole(held)
    }
    for (const hook of scheduled) if (!stopped) await deliverWhole(hook)
    return stats()
  }

  const deliverWhole = async (hook: SignedWebhook): Promise<void> => {
    if (!(await deliverOne(hook))) {
      counters.failed++
      return
    }
    counters.delivered++
    if (opts.duplicate?.() && (await deliverOne(hook))) counters.duplicates++
  }

  const deliverDue = (now?: number): Promise<DeliveryStats> => {
    // One run at a time: a poll that fires while a slow run is retrying waits for it instead of racing it.
    const previous = running ?? Promise.resolve(stats())
    const next = previous.then(() => run(now ?? opts.clock.now()))
    running = next
    return next
  }

  return {
    deliverDue,
    start(intervalMs = 500) {
      if (timer || stopped) return
      const tick = (): void => {
        void deliverDue().finally(() => {
          if (!stopped) {
            timer = setTimeout(tick, intervalMs)
            timer.unref()
          }
        })
      }
      tick()
    },
    async stop() {
      stopped = true
      wake()
      if (timer) clearTimeout(timer)
      timer = null
      await running?.catch(() => undefined)
      await agent.close()
    },
    stats,
  }
}
