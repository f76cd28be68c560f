import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import {GATEWAY_KINDS, type GatewayKind} from '../../../src/gateways/registry.js'
import type {GatewayEmulator} from '../../../src/sandbox/emulator.js'
import type {FaultSpec} from '../../../src/sandbox/faults.js'
import type {Scenario} from '../../../src/sandbox/model.js'
import {loadEmulator} from '../../../src/sandbox/registry.js'
import {serveSandbox, webhookUrlFor, type RunningSandbox} from '../../../src/sandbox/serve.js'
import {startWebhookServer, type RunningWebhookServer} from '../../../src/services/webhooks/serve.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {connectSandboxGateways, importWorld} from '../../helpers/sync-world.js'
import {type LedgerHandle, sqliteHandle} from '../../../src/store/ops/ledger-handle.js'
import {copiedToPostgres} from '../../helpers/copied-to-postgres.js'
import type {TestPostgres} from '../../helpers/postgres.js'
import {all, value} from '../../../src/store/ops/op.js'

/**
 * A home with the YMS side of a scenario imported and one provider per gateway (id = kind) connected to the
 * sandbox's emulators, secrets in the environment as cron would pass them. With `serve`, a webhook server runs on
 * the home and the sandbox delivers to it (`{kind}` in the URL names the provider); Square's notification_url is
 * that URL, since Square signs it.
 */
export interface HookHome {
  home: string
  /** The home's SQLite file, where the scenario was imported. */
  db: Db
  /** The ledger the home's services use: its file, or the PostgreSQL database it moved to (movedToPostgres). */
  ledger: LedgerHandle
  ctx: AppContext
  env: NodeJS.ProcessEnv
  server: RunningWebhookServer | null
  close(): Promise<void>
}

export interface HookWorld {
  scenario: Scenario
  sandbox: RunningSandbox
  emulators: Map<GatewayKind, GatewayEmulator>
  close(): Promise<void>
}

export async function startWorld(opts: {
  scenario: Scenario
  clock: {now(): number}
  kinds?: readonly GatewayKind[]
  seed?: number
  faults?: FaultSpec
  /** Where the sandbox delivers webhooks; none without it. */
  webhooksTo?: string
  retryDelaysMs?: readonly number[]
}): Promise<HookWorld> {
  const kinds = opts.kinds ?? GATEWAY_KINDS
  const emulators = new Map<GatewayKind, GatewayEmulator>()
  const factories = new Map<GatewayKind, Awaited<ReturnType<typeof loadEmulator>>>()
  for (const kind of kinds) factories.set(kind, await loadEmulator(kind))
  const sandbox = await serveSandbox({
    seed: opts.seed ?? 1,
    emulators: {
      kinds,
      create: (kind, {baseUrl}) => {
        const emulator = factories.get(kind)!({scenario: opts.scenario, share: 'own', clock: opts.clock, baseUrl})
        emulators.set(kind, emulator)
        return emulator
      },
    },
    faults: opts.faults,
    webhooksTo: opts.webhooksTo,
    scenario: opts.scenario,
    share: 'own',
    clock: opts.clock,
    webhookPollMs: 0,
    webhookRetryDelaysMs: opts.retryDelaysMs ?? [50, 100, 200],
  })
  return {scenario: opts.scenario, sandbox, emulators, close: () => sandbox.close()}
}

export async function makeHome(opts: {
  scenario: Scenario
  clock: {now(): number}
  /** The webhook server's URL template (same as the world's webhooksTo); Square's notification_url follows it. */
  webhooksTo?: string
  actor?: string
}): Promise<HookHome> {
  const home = mkdtempSync(join(tmpdir(), 'yms-hooks-'))
  const env: NodeJS.ProcessEnv = {}
  const ctx: AppContext = {
    home: {dataDir: home, configDir: home, dbFile: join(home, 'ledger.db'), source: 'flag'},
    actor: opts.actor ?? 'webhook-test',
    env,
    terminal: {color: false, interactive: false, stdoutIsTty: false},
    now: () => opts.clock.now(),
    note: () => undefined,
    warn: () => undefined,
  }
  const db = openDatabase(ctx.home.dbFile, {clock: () => opts.clock.now()})
  await importWorld(db, ctx, opts.scenario, () => true)
  return {
    home,
    db,
    ledger: sqliteHandle(db),
    ctx,
    env,
    server: null,
    close: async () => {
      db.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
}

/**
 * The home's ledger copied into a fresh PostgreSQL database (as `store copy --to` does), which its services use from
 * then on; the file stays as the copy's source.
 */
export async function movedToPostgres(h: HookHome, postgres: TestPostgres, clock: {now(): number}): Promise<HookHome> {
  const copy = await copiedToPostgres(h.db, postgres, clock)
  const close = h.close
  return {
    ...h,
    ledger: copy.ledger,
    close: async () => {
      await copy.close()
      await close()
    },
  }
}

/** One provider per served gateway, named by its kind (Square's notification_url the server's, since it signs it). */
export async function connectAll(h: HookHome, world: HookWorld, webhooksTo?: string): Promise<void> {
  await connectSandboxGateways(h.ledger, h.ctx, world.sandbox.gateways, (g): Record<string, string> =>
    g.kind === 'square' && webhooksTo ? {notification_url: webhookUrlFor(webhooksTo, g.kind)} : {},
  )
}

/** Starts a webhook server on the home, on a free loopback port. */
export async function serveHooks(h: HookHome): Promise<RunningWebhookServer> {
  h.server = await startWebhookServer(h.ledger, h.ctx, {port: 0})
  const close = h.close
  h.close = async () => {
    await h.server?.close()
    await close()
  }
  return h.server
}

/** Until no stored event waits for its objects to be read (the fetcher runs after each commit). */
export async function fetchesSettled(ledger: Db | LedgerHandle, timeoutMs = 20_000): Promise<void> {
  const handle = 'engine' in ledger ? ledger : sqliteHandle(ledger)
  const until = Date.now() + timeoutMs
  for (;;) {
    const n = Number(await handle.read(value(`SELECT COUNT(*) FROM webhook_events WHERE status = 'fetching'`)))
    if (n === 0) return
    if (Date.now() > until) {
      const rows = await handle.read(
        all(
          `SELECT id, provider, fetch_attempts, next_fetch_at, claimed_by, error FROM webhook_events WHERE status = 'fetching'`,
        ),
      )
      throw new Error(`${n} webhook events still fetching after ${timeoutMs} ms: ${JSON.stringify(rows)}`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}
