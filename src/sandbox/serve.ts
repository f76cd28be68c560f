import type {GatewayKind} from '../gateways/registry.js'
import type {Clock} from '../core/clock.js'
import {UsageError} from '../core/errors.js'
import {serveHandler, type GatewayEmulator, type RunningServer} from './emulator.js'
import {faultStream, injectFaults, NO_FAULTS, type FaultInjector, type FaultKind, type FaultSpec} from './faults.js'
import {paymentsFor, scenarioEvents, type Scenario} from './model.js'
import {createWebhookDelivery, type DeliveryStats, type WebhookDelivery} from './webhook-delivery.js'

/**
 * `sandbox serve`: every emulator on its own loopback port, wrapped in seeded fault injection, with optional
 * webhook delivery to a receiver as the clock reaches each event.
 */
export interface EmulatorSource {
  kinds: readonly GatewayKind[]
  /** Called once the port is bound, so an emulator can put its own base URL into what it serves (cert URLs, links). */
  create(kind: GatewayKind, ctx: {baseUrl: string}): GatewayEmulator
}

export interface ServeSandboxOptions {
  emulators: readonly GatewayEmulator[] | EmulatorSource
  /** 0: ephemeral ports. p: the first emulator on p, the next on p+1, … */
  port?: number
  host?: string
  seed: number
  faults?: FaultSpec
  /** Longest a `timeout` fault holds a request (default 10 s). */
  holdMs?: number
  /**
   * Receiver URL. `{kind}` is replaced by the gateway kind (e.g. http://127.0.0.1:8787/webhooks/{kind});
   * a URL ending in `/` gets the kind appended; otherwise every gateway posts to the URL as given.
   */
  webhooksTo?: string
  /** Needed with webhooksTo: the world whose events are announced, and which share each emulator renders. */
  scenario?: Scenario
  share?: 'own' | 'all'
  clock?: Clock
  /** Events at or before this time are not announced (history that a sync backfills). */
  webhooksFrom?: string
  /** How often due webhooks are looked for (default 1 s); 0: never by itself, the caller calls deliverDue. */
  webhookPollMs?: number
  webhookRetryDelaysMs?: readonly number[]
  sleep?: (ms: number) => Promise<void>
}

export interface SandboxGateway {
  kind: GatewayKind
  baseUrl: string
  settings: Record<string, string>
  secrets: Record<string, string>
}

export interface RunningSandbox {
  gateways: SandboxGateway[]
  faultCounts(): Record<string, Record<FaultKind, number>>
  webhookStats(): Record<string, DeliveryStats>
  /** Webhook delivery per kind, for callers that drive it by hand (deliverDue) instead of by the poll. */
  deliveries: Map<GatewayKind, WebhookDelivery>
  close(): Promise<void>
}

export function webhookUrlFor(template: string, kind: GatewayKind): string {
  if (template.includes('{kind}')) return template.replaceAll('{kind}', kind)
  return template.endsWith('/') ? template + kind : template
}

function isEmulatorList(value: ServeSandboxOptions['emulators']): value is readonly GatewayEmulator[] {
  return Array.isArray(value)
}

export async function serveSandbox(opts: ServeSandboxOptions): Promise<RunningSandbox> {
  const spec = opts.faults ?? NO_FAULTS
  const given = isEmulatorList(opts.emulators) ? opts.emulators : null
  const source: EmulatorSource = given
    ? {kinds: given.map((e) => e.kind), create: (_kind, _ctx) => given[0]!}
    : (opts.emulators as EmulatorSource)
  if (new Set(source.kinds).size !== source.kinds.length)
    throw new UsageError(`each gateway can be served once, got ${source.kinds.join(',')}`)
  if (opts.webhooksTo !== undefined && !opts.scenario) throw new Error('serveSandbox: webhooksTo needs the scenario')
  const basePort = opts.port ?? 0
  if (!Number.isInteger(basePort) || basePort < 0 || basePort + source.kinds.length - 1 > 65_535)
    throw new UsageError(
      `--port must be 0 or a port with room for ${source.kinds.length} consecutive ports, got ${opts.port}`,
    )
  const clock = opts.clock ?? {now: () => Date.now()}

  const servers: RunningServer[] = []
  const injectors: FaultInjector[] = []
  const gateways: SandboxGateway[] = []
  const deliveries = new Map<GatewayKind, WebhookDelivery>()
  const faultCounts: Record<string, Record<FaultKind, number>> = {}

  const close = async (): Promise<void> => {
    await Promise.all([...deliveries.values()].map((d) => d.stop()))
    for (const injector of injectors) injector.release()
    await Promise.all(servers.map((s) => s.close()))
  }

  try {
    for (const [index, kind] of source.kinds.entries()) {
      // The handler is bound before the emulator exists, so the emulator can learn its own URL.
      let injector: FaultInjector | null = null
      const server = await serveHandler(
        async (req, raw) => {
          if (!injector) return {status: 503, body: 'starting'}
          return injector.handler(req, raw)
        },
        {host: opts.host ?? '127.0.0.1', port: basePort === 0 ? 0 : basePort + index},
      )
      servers.push(server)
      const emulator = given ? given[index]! : source.create(kind, {baseUrl: server.baseUrl})
      injector = injectFaults(emulator, {spec, seed: opts.seed, holdMs: opts.holdMs})
      injectors.push(injector)
      faultCounts[kind] = injector.counts
      gateways.push({kind, baseUrl: server.baseUrl, settings: {...emulator.settings}, secrets: {...emulator.secrets}})

      if (opts.webhooksTo !== undefined && opts.scenario) {
        const duplicates = spec.kinds.includes('duplicate') ? faultStream(spec, opts.seed, `${kind}:webhooks`) : null
        const order = spec.kinds.includes('reorder') ? faultStream(spec, opts.seed, `${kind}:webhook-order`) : null
        const delivery = createWebhookDelivery({
          emulator,
          events: scenarioEvents(paymentsFor(opts.scenario, kind, opts.share ?? 'own')),
          targetUrl: webhookUrlFor(opts.webhooksTo, kind),
          clock,
          from: opts.webhooksFrom,
          retryDelaysMs: opts.webhookRetryDelaysMs,
          sleep: opts.sleep,
          duplicate: duplicates ? () => duplicates.draw() === 'duplicate' : undefined,
          reorder: order ? () => order.draw() === 'reorder' : undefined,
        })
        deliveries.set(kind, delivery)
      }
    }
  } catch (error) {
    await close()
    throw error
  }
  const pollMs = opts.webhookPollMs ?? 1_000
  if (pollMs > 0) for (const delivery of deliveries.values()) delivery.start(pollMs)

  return {
    gateways,
    faultCounts: () => Object.fromEntries(Object.entries(faultCounts).map(([k, v]) => [k, {...v}])),
    webhookStats: () => Object.fromEntries([...deliveries].map(([k, d]) => [k, d.stats()])),
    deliveries,
    close,
  }
}
