import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import {resolveHome} from '../../../src/app/home.js'
import {envVarName} from '../../../src/secrets/names.js'
import {importCustomers} from '../../../src/services/customers.js'
import {addProvider} from '../../../src/services/providers.js'
import {importSites} from '../../../src/services/sites.js'
import {openDatabase} from '../../../src/store/db.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'
import {onDb} from '../../helpers/on-db.js'

/** The provider every bench home has: Stripe at the emulator, write access to every segment on every site. */
export const BENCH_PROVIDER = 'bench-stripe'

export function benchContext(home: string, env: NodeJS.ProcessEnv): AppContext {
  return {
    home: resolveHome({flag: home, env, xdgDataDir: home, xdgConfigDir: home}),
    actor: 'bench',
    env,
    terminal: {color: false, interactive: false, stdoutIsTty: false},
    now: () => Date.now(),
    note: () => {},
    warn: () => {},
  }
}

/** How cron would hand the key over: YMS_PAY_SECRET_<PROVIDER>_<FIELD>. */
export function benchSecretEnv(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([field, value]) => [envVarName(BENCH_PROVIDER, field), value]))
}

/**
 * A home as an admin would have it before the first sync: the scenario's sites and customers imported through the
 * same import services the CLI uses (invoices are left out: a sync does not read them), and the provider added.
 */
export async function prepareHome(
  home: string,
  exportDir: string,
  baseUrl: string,
  secrets: Record<string, string>,
): Promise<string> {
  const ctx = benchContext(home, benchSecretEnv(secrets))
  const db = openDatabase(ctx.home.dbFile)
  try {
    for (const [what, run, file] of [
      ['sites', onDb(importSites), join(exportDir, 'sites.csv')],
      ['customers', onDb(importCustomers), join(exportDir, 'customers.csv')],
    ] as const) {
      const r = await run(db, ctx, file)
      if (r.rejected.length > 0)
        throw new Error(`${what} import rejected rows: ${JSON.stringify(r.rejected.slice(0, 3))}`)
    }
    await addProvider(sqliteHandle(db), ctx, {
      id: BENCH_PROVIDER,
      kind: 'stripe',
      baseUrl,
      sites: [],
      settings: {},
      segments: ['*'],
      fallback: null,
      retrySchedule: null,
      maxRetries: null,
      secrets: {},
    })
  } finally {
    db.close()
  }
  return ctx.home.dbFile
}
