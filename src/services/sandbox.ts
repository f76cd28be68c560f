import {mkdir, readFile} from 'node:fs/promises'

import type {Clock} from '../core/clock.js'
import {UsageError} from '../core/errors.js'
import {GATEWAY_KINDS, isGatewayKind, type GatewayKind} from '../gateways/registry.js'
import {ChargeScript, parseChargeRules} from '../sandbox/charge-rules.js'
import type {EmulatorFactory} from '../sandbox/emulator.js'
import {exportScenario, type ExportResult} from '../sandbox/export.js'
import {parseFaultSpec} from '../sandbox/faults.js'
import {generateScenario} from '../sandbox/generate.js'
import {extendLive} from '../sandbox/live.js'
import {loadEmulator} from '../sandbox/registry.js'
import type {Scenario} from '../sandbox/model.js'
import {serveSandbox, type RunningSandbox} from '../sandbox/serve.js'

export interface SandboxOptions {
  gateways?: string[]
  port?: number
  seed: number
  customers: number
  transactions: number
  days: number
  faults?: string
  /** A JSON file of charge rules (sandbox/charge-rules.ts): what the emulators' new charges do. */
  chargeRules?: string
  webhooksTo?: string
  exportDir?: string
  now: number
  /** The emulators' clock (default the real one): the demo moves it on to show later retries. */
  clock?: Clock
  /** A world that moves: new payments per minute from now, for `forMs` (sandbox/live.ts). */
  live?: {perMinute: number; forMs: number}
  /**
   * Webhooks wait until the caller starts their delivery (`running.deliveries`, start()): the demo's receiver knows
   * the gateways only once their providers are added, and an event posted before would be refused as unknown.
   */
  holdWebhooks?: boolean
}

export interface StartedSandbox {
  running: RunningSandbox
  scenario: Scenario
  exported: ExportResult | null
}

function parseGateways(list: readonly string[] | undefined): GatewayKind[] {
  const kinds =
    list && list.length > 0
      ? list
          .flatMap((g) => g.split(','))
          .map((g) => g.trim())
          .filter(Boolean)
      : GATEWAY_KINDS
  for (const k of kinds) {
    if (!isGatewayKind(k))
      throw new UsageError(`--gateways ${k}: unknown gateway`, `One of: ${GATEWAY_KINDS.join(', ')}`)
  }
  return [...new Set(kinds)] as GatewayKind[]
}

async function readChargeRules(file: string) {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`--charge-rules ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  return parseChargeRules(text, `--charge-rules ${file}`)
}

/**
 * Generates one world from the seed and serves it through every requested gateway's emulator, each in its own
 * wire format, on loopback. The world's history ends now (with `live`, new payments keep arriving from now on);
 * `--export` writes its YMS side for the import commands.
 */
export async function startSandbox(opts: SandboxOptions): Promise<StartedSandbox> {
  const kinds = parseGateways(opts.gateways)
  const faults = opts.faults ? parseFaultSpec(opts.faults) : undefined
  const charges = opts.chargeRules ? new ChargeScript(await readChargeRules(opts.chargeRules)) : undefined
  const end = new Date(opts.now).toISOString()
  const start = new Date(opts.now - opts.days * 86_400_000).toISOString()
  const history = generateScenario({
    seed: opts.seed,
    customers: opts.customers,
    transactions: opts.transactions,
    start,
    end,
    gateways: kinds,
  })
  const scenario = opts.live
    ? extendLive(history, {seed: opts.seed, gateways: kinds, from: opts.now, ...opts.live})
    : history
  const factories = new Map<GatewayKind, EmulatorFactory>()
  for (const kind of kinds) factories.set(kind, await loadEmulator(kind))
  const clock = opts.clock ?? {now: () => Date.now()}
  const running = await serveSandbox({
    emulators: {
      kinds,
      create: (kind, {baseUrl}) => factories.get(kind)!({scenario, share: 'own', clock, baseUrl, charges}),
    },
    port: opts.port,
    seed: opts.seed,
    faults,
    webhooksTo: opts.webhooksTo,
    ...(opts.holdWebhooks ? {webhookPollMs: 0} : {}),
    scenario,
    share: 'own',
    clock,
    webhooksFrom: end,
  })
  let exported: ExportResult | null = null
  if (opts.exportDir) {
    await mkdir(opts.exportDir, {recursive: true})
    exported = await exportScenario(scenario, opts.exportDir)
  }
  return {running, scenario, exported}
}
