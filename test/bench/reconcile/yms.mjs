// yms-pay's reconciliation as shipped (the compiled dist/, plain node): open the ledger and run what
// `yms-pay reconcile --site` runs (runReconcile: read the site's facts, check the ledger, classify, check the balance
// identity, store the run and its exceptions). Prints {ms, items, counts, exceptions, maxRssMb}. The run holds the
// event loop from start to end (it is synchronous inside), so peak RSS is the one figure of its memory.
// BENCH_DIST: another build to run instead (the bench's --baseline, e.g. the commit before a change).
const distRoot = process.env.BENCH_DIST ? new URL(`file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}`) : null
const dist = (path) => (distRoot ? new URL(path, distRoot) : new URL(`../../../dist/${path}`, import.meta.url)).href
const {runReconcile} = await import(dist('services/reconcile/run.js'))
// runReconcile takes a LedgerHandle since it runs on either engine (it has a preloaded converter since); a baseline
// built before that takes the Db itself.
const takesHandle = 'preloadedConverter' in (await import(dist('services/reconcile/fx.js')))
const {sqliteHandle} = takesHandle ? await import(dist('store/ops/ledger-handle.js')) : {}
const {openDatabase} = await import(dist('store/db.js'))
const {resolveHome} = await import(dist('app/home.js'))

const home = process.env.BENCH_HOME
const site = process.env.BENCH_SITE
const at = process.env.BENCH_AT
const ctx = {
  home: resolveHome({flag: home, env: process.env, xdgDataDir: home, xdgConfigDir: home}),
  actor: 'bench',
  env: process.env,
  terminal: {color: false, interactive: false, stdoutIsTty: false},
  now: () => Date.parse(at),
  note: () => {},
  warn: () => {},
}
const db = openDatabase(ctx.home.dbFile)
const c0 = process.cpuUsage()
const t0 = performance.now()
const {result} = await runReconcile(takesHandle ? sqliteHandle(db) : db, ctx, {site})
const ms = performance.now() - t0
const cpu = process.cpuUsage(c0)
db.close()
const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0)
const out = {
  ms,
  cpuMs: (cpu.user + cpu.system) / 1000,
  items: sum(result.items.invoices) + sum(result.items.payments),
  invoices: sum(result.items.invoices),
  payments: sum(result.items.payments),
  counts: result.counts,
  exceptions: result.exceptions.length,
  open: result.open,
  identityHolds: result.identity.holds,
  maxRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
}
process.stdout.write(`\n${JSON.stringify(out)}\n`)
