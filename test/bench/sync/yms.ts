import {envOrThrow, finish} from './result.js'

// The compiled product (dist/), resolved at run time: typed from the sources it was built from.
const dist = (path: string) => new URL(`../../../dist/${path}`, import.meta.url).href
import {BENCH_PROVIDER, benchContext} from './yms-home.js'

/**
 * yms-pay's path, end to end: open the prepared home's ledger and run one `sync` pass (runSync, as the `sync`
 * command calls it): Stripe backfill of charges, refunds and disputes, then the event feed, each page validated,
 * resolved to a customer, posted to the ledger and audited in one immediate transaction with its cursor.
 * The API key comes from the environment, as under cron.
 */
// The product as shipped: the compiled dist/ (which also runs the page writer on its worker thread), not the sources.
const {runSync} = (await import(dist('services/sync/sync.js'))) as typeof import('../../../src/services/sync/sync.js')
const {openDatabase} = (await import(dist('store/db.js'))) as typeof import('../../../src/store/db.js')
const home = envOrThrow('BENCH_HOME')
const charges = Number(envOrThrow('BENCH_CHARGES'))
const ctx = benchContext(home, process.env)
const startupCpu = process.cpuUsage()
const rssSeries: number[] = []
const sampler = setInterval(() => rssSeries.push(Math.round(process.memoryUsage().rss / 1048576)), 500)
const t0 = performance.now()
const db = openDatabase(ctx.home.dbFile)
let fetched = 0
let chargesMs = Number.NaN
const never = new AbortController().signal
const result = await runSync(db, ctx, {
  providers: [BENCH_PROVIDER],
  signals: {stop: never, abort: never},
  onPage: (e) => {
    fetched += e.counts.fetched
    // The backfill pages charges first (then refunds, disputes, events): this is when the last charge committed.
    if (Number.isNaN(chargesMs) && fetched >= charges) chargesMs = performance.now() - t0
  },
})
clearInterval(sampler)
process.stderr.write('rss ' + rssSeries.join(' ') + '\n')
db.close()
const ms = performance.now() - t0
const run = result.runs[0]
if (!run || run.status !== 'ok') throw new Error(`sync did not succeed: ${JSON.stringify(run)}`)
if (run.quarantined > 0) process.stderr.write(`warning: ${run.quarantined} items quarantined\n`)
finish({items: run.fetched, charges, chargesMs, ms, pages: run.pages, detail: {inserted: run.inserted, posted: run.posted, quarantined: run.quarantined, startupCpuMs: Math.round((startupCpu.user + startupCpu.system) / 1000)}})
