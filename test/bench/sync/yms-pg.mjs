// Plain JavaScript on purpose: yms-pay runs without a TypeScript loader, and its page writer thread would inherit
// one (a Worker takes its parent's --import flags), slowing its start and adding a loader thread. This worker runs
// the product as shipped: the compiled dist/, under plain `node`.

/**
 * yms-pay's path into PostgreSQL, end to end: open the ledger BENCH_PG_URL names (the prepared home's, copied there
 * by `store copy`'s service before the clock starts; the password in PGPASSWORD) as `sync --database-url` does, and
 * run one `sync` pass (runSync on its handle): the same backfill and feed as sync/yms.mjs, each page committed
 * through the handle in one transaction with its cursor while the next page is fetched. Prints the WorkerResult
 * line (see result.ts).
 */
const dist = (path) => new URL(`../../../dist/${path}`, import.meta.url).href
const {runSync} = await import(dist('services/sync/sync.js'))
const {openPgLedger} = await import(dist('app/open-postgres.js'))
const {resolveHome} = await import(dist('app/home.js'))

const need = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const home = need('BENCH_HOME')
const url = need('BENCH_PG_URL')
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
const ledger = await openPgLedger(url, 'BENCH_PG_URL', {env: process.env, now: () => Date.now(), create: false})
let fetched = 0
let chargesMs = Number.NaN
const never = new AbortController().signal
const result = await runSync(ledger.handle, ctx, {
  providers: [provider],
  signals: {stop: never, abort: never},
  onPage: (e) => {
    fetched += e.counts.fetched
    // The backfill pages charges first (then refunds, disputes, events): this is when the last charge committed.
    if (Number.isNaN(chargesMs) && fetched >= charges) chargesMs = performance.now() - t0
  },
})
clearInterval(sampler)
await ledger.close()
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
