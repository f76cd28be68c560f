// Plain JavaScript on purpose: yms-pay runs without a TypeScript loader, and its page writer thread would inherit
// one (a Worker takes its parent's --import flags), slowing its start and adding a loader thread. This worker runs
// the product as shipped: the compiled dist/, under plain `node`.

/**
 * yms-pay's path, end to end: open the prepared home's ledger and run one `sync` pass (runSync, as the `sync`
 * command calls it): Stripe backfill of charges, refunds and disputes, then the event feed, each page validated,
 * resolved to a customer, posted to the ledger and audited in one immediate transaction with its cursor.
 * The API key comes from the environment, as under cron. Prints the WorkerResult line (see result.ts).
 */
const dist = (path) => new URL(`../../../dist/${path}`, import.meta.url).href
const {runSync} = await import(dist('services/sync/sync.js'))
const {openDatabase} = await import(dist('store/db.js'))
const {sqliteHandle} = await import(dist('store/ops/ledger-handle.js'))
const {resolveHome} = await import(dist('app/home.js'))

const need = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const home = need('BENCH_HOME')
const provider = need('BENCH_PROVIDER')
const charges = Number(need('BENCH_CHARGES'))
// As test/bench/sync/yms-home.ts's benchContext builds it for the import.
const ctx = {
  home: resolveHome({flag: home, env: process.env, xdgDataDir: home, xdgConfigDir: home}),
  actor: 'bench',
  env: process.env,
  terminal: {color: false, interactive: false, stdoutIsTty: false},
  now: () => Date.now(),
  note: () => {},
  warn: () => {},
}

const startupCpu = process.cpuUsage()
// Resident memory once a second (in the --json output): flat, not merely bounded, as the count grows.
const rssSeries = []
const sampler = setInterval(() => rssSeries.push(Math.round(process.memoryUsage().rss / 1048576)), 1000)
const t0 = performance.now()
const db = openDatabase(ctx.home.dbFile)
let fetched = 0
let chargesMs = Number.NaN
const never = new AbortController().signal
const result = await runSync(sqliteHandle(db), ctx, {
  providers: [provider],
  signals: {stop: never, abort: never},
  onPage: (e) => {
    fetched += e.counts.fetched
    // The backfill pages charges first (then refunds, disputes, events): this is when the last charge committed.
    if (Number.isNaN(chargesMs) && fetched >= charges) chargesMs = performance.now() - t0
  },
})
clearInterval(sampler)
db.close()
const ms = performance.now() - t0
const run = result.runs[0]
if (!run || run.status !== 'ok') throw new Error(`sync did not succeed: ${JSON.stringify(run)}`)
if (run.quarantined > 0) process.stderr.write(`warning: ${run.quarantined} items quarantined\n`)
const cpu = process.cpuUsage()
const detail = {
  inserted: run.inserted,
  posted: run.posted,
  quarantined: run.quarantined,
  startupCpuMs: Math.round((startupCpu.user + startupCpu.system) / 1000),
  rssMbEverySecond: rssSeries,
}
const out = {
  items: run.fetched,
  charges,
  chargesMs,
  ms,
  pages: run.pages,
  detail,
  maxRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  cpuMs: Math.round((cpu.user + cpu.system) / 1000),
}
process.stdout.write(`\n${JSON.stringify(out)}\n`)
