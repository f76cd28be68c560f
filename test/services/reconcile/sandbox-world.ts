import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import {GATEWAY_KINDS, type GatewayKind} from '../../../src/gateways/registry.js'
import type {GatewayEmulator} from '../../../src/sandbox/emulator.js'
import {exportScenario} from '../../../src/sandbox/export.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {paymentStateAt, type Scenario} from '../../../src/sandbox/model.js'
import {loadEmulator} from '../../../src/sandbox/registry.js'
import {serveSandbox} from '../../../src/sandbox/serve.js'
import {importCustomers} from '../../../src/services/customers.js'
import {importInvoices} from '../../../src/services/invoices.js'
import {importSites} from '../../../src/services/sites.js'
import {runSync} from '../../../src/services/sync/sync.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {connectSandboxGateways} from '../../helpers/sync-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * A sandbox world synced into a fresh ledger through all five emulators, each rendering its own share of the
 * payments in its wire format (as the demo does, with every segment granted): what `reconcile` sees after a real
 * sync. `truth` is the world's own answer to which payment pays which invoice.
 */
export interface SyncedWorld {
  db: Db
  ctx: AppContext
  scenario: Scenario
  /** Succeeded payments with an invoice, as `<provider>:<external id>` -> invoice id. */
  truth: Map<string, string>
  close(): void
}

export async function syncedSandboxWorld(opts: {
  seed: number
  customers: number
  transactions: number
}): Promise<SyncedWorld> {
  const start = '2026-01-01T00:00:00.000Z'
  const end = '2026-03-01T00:00:00.000Z'
  const at = '2026-03-02T00:00:00.000Z'
  const scenario = generateScenario({...opts, start, end})
  const emulators = new Map<GatewayKind, GatewayEmulator>()
  const factories = new Map<GatewayKind, Awaited<ReturnType<typeof loadEmulator>>>()
  for (const kind of GATEWAY_KINDS) factories.set(kind, await loadEmulator(kind))
  const clock = {now: () => Date.parse(at)}
  const sandbox = await serveSandbox({
    seed: opts.seed,
    emulators: {
      kinds: GATEWAY_KINDS,
      create: (kind, {baseUrl}) => {
        const emulator = factories.get(kind)!({scenario, share: 'own', clock, baseUrl})
        emulators.set(kind, emulator)
        return emulator
      },
    },
  })
  const home = mkdtempSync(join(tmpdir(), 'yms-truth-'))
  const env: NodeJS.ProcessEnv = {}
  const ctx: AppContext = {
    home: {dataDir: home, configDir: home, dbFile: join(home, 'ledger.db'), source: 'flag'},
    actor: 'test',
    env,
    terminal: {color: false, interactive: false, stdoutIsTty: false},
    now: () => Date.parse(at),
    note: () => undefined,
    warn: () => undefined,
  }
  const db = openDatabase(ctx.home.dbFile)
  try {
    const files = (await exportScenario(scenario, home)).files
    await importSites(sqliteHandle(db), ctx, files.sites)
    await importCustomers(sqliteHandle(db), ctx, files.customers)
    await importInvoices(sqliteHandle(db), ctx, files.invoices)
    await connectSandboxGateways(db, ctx, sandbox.gateways)
    const never = new AbortController().signal
    const sync = await runSync(sqliteHandle(db), ctx, {signals: {stop: never, abort: never}, since: start})
    const failed = sync.runs.filter((r) => r.status !== 'ok')
    if (failed.length > 0) throw new Error(`sync failed: ${JSON.stringify(failed)}`)
  } finally {
    await sandbox.close()
  }
  const truth = new Map<string, string>()
  for (const p of scenario.payments) {
    if (p.invoice === null || paymentStateAt(p, at).status !== 'succeeded') continue
    truth.set(`${p.gateway}:${emulators.get(p.gateway)!.externalId('payment', p.key)}`, p.invoice)
  }
  return {
    db,
    ctx,
    scenario,
    truth,
    close: () => {
      db.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
}
