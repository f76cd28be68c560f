import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import {createStripeEmulator} from '../../../src/sandbox/stripe/emulator.js'
import {serveEmulator} from '../../../src/sandbox/emulator.js'
import {exportScenario} from '../../../src/sandbox/export.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {openSecretStore} from '../../../src/services/secret-store.js'
import {serializeItems} from '../../../src/services/sync/apply.js'
import {commitPage, type PageCommit} from '../../../src/services/sync/commit-page.js'
import type {ApplyScope} from '../../../src/services/sync/scope.js'
import {connectProvider} from '../../../src/services/sync/connect.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {listGrants} from '../../../src/store/repos/grants.js'
import {getProvider} from '../../../src/store/repos/providers.js'
import {startRun} from '../../../src/store/repos/sync-state.js'
import {BENCH_PROVIDER, benchContext, benchSecretEnv, prepareHome} from './yms-home.js'

// The same world as test/bench/sync/emulator-child.ts.
const BENCH_START = '2026-01-01T00:00:00.000Z'
const BENCH_END = '2026-04-01T00:00:00.000Z'

export interface FetchedPages {
  /** A prepared home (YMS side imported, the bench provider connected): copy it per repetition. */
  template: string
  ctx: AppContext
  /** Every page of a Stripe backfill of `size` payments, fetched and serialized, ready for commitPage. */
  pages: PageCommit[]
}

/**
 * What the write-path benches (writer.ts, alerts.ts, retry-reaction.ts) time commits on: the pages are fetched from
 * an in-process Stripe emulator first, so that only the writing is timed.
 */
export async function fetchedPages(scratch: string, size: number): Promise<FetchedPages> {
  const scenario = generateScenario({
    seed: 42,
    customers: Math.max(20, Math.floor(size / 20)),
    transactions: size,
    start: BENCH_START,
    end: BENCH_END,
    gateways: ['stripe'],
  })
  const exportDir = join(scratch, 'export')
  mkdirSync(exportDir)
  await exportScenario({...scenario, invoices: []}, exportDir)
  const end = Date.parse(BENCH_END)
  const emulator = createStripeEmulator({scenario, share: 'own', clock: {now: () => end}})
  const server = await serveEmulator(emulator)
  const template = await prepareHome(join(scratch, 'template'), exportDir, server.baseUrl, emulator.secrets)
  const ctx = benchContext(join(scratch, 'template'), benchSecretEnv(emulator.secrets))
  const pages: PageCommit[] = []
  try {
    const db = openDatabase(template)
    const {client} = await connectProvider(ctx, getProvider(db, BENCH_PROVIDER)!, {secrets: openSecretStore(db, ctx)})
    db.close()
    let cursor = null
    const never = new AbortController().signal
    for (;;) {
      const page = await client.fetchPage(cursor, never)
      pages.push({
        page: {items: serializeItems(page.items), invalid: page.invalid, next: page.next},
        pageNo: pages.length + 1,
        calls: [],
      })
      if (!page.hasMore) break
      cursor = page.next
    }
  } finally {
    await server.close()
  }
  return {template, ctx, pages}
}

/** The apply scope of a pull by the bench provider, as a sync run builds it. */
export function benchScope(db: Db): ApplyScope {
  return {
    provider: BENCH_PROVIDER,
    kind: 'stripe',
    actor: 'bench',
    source: 'pull',
    grants: listGrants(db, BENCH_PROVIDER),
    latencySince: null,
    customers: new Map(),
  }
}

/** Commits every page as one sync run does (one transaction each), and returns the milliseconds it took. */
export function commitAllPages(db: Db, pages: readonly PageCommit[]): number {
  const runId = db.write(() => startRun(db, BENCH_PROVIDER, 'bench'))
  const scope = benchScope(db)
  const lease = {name: `sync:${BENCH_PROVIDER}`, owner: 'bench', ttlMs: 60_000}
  const t0 = performance.now()
  for (const p of pages) commitPage(db, scope, {runId, lease}, p)
  return performance.now() - t0
}
