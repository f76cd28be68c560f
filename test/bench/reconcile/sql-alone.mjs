// What the SQL of a full classification costs with no JavaScript at all: a lower bound of any run shaped like
// yms-pay's (read every payment against the invoice it names, testing which pairs are plain; read the refunds and
// disputes, the attempts, the invoices that are not plain; store the run's exceptions). Each read is the statement
// yms-pay runs (src/store/repos/reconcile-facts.ts) with its per-row function calls replaced by constants, so only
// SQLite's own work is timed; the store is the exception rows of a real run (made untimed, in between) inserted
// again by one prepared statement into a table of the same shape, in one durable transaction. Plain node and
// better-sqlite3, on the bench's fresh copy. Prints {ms, cpuMs, parts, maxRssMb}: `ms` sums the timed parts.
import Database from 'better-sqlite3'

const home = process.env.BENCH_HOME
const site = process.env.BENCH_SITE
const file = `${home}/ledger.db`

function timed(parts, name, fn) {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const result = fn()
  const cpu = process.cpuUsage(c0)
  parts[name] = {ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, result}
}

const parts = {}
let db = new Database(file, {readonly: true})
db.pragma('cache_size = -8192')
const currency = db.prepare('SELECT currency FROM sites WHERE id = ?').pluck().get(site)
const maxSeq = db.prepare('SELECT max(seq) FROM transactions').pluck().get()
const children = new Uint8Array(maxSeq + 1)
timed(parts, 'payments against the invoices they name, plain tested', () =>
  db
    .prepare(
      `SELECT count(CASE
        WHEN t.currency = @currency AND i.site = @site AND i.customer = t.customer_id AND i.currency = t.currency
          AND i.amount_minor = t.amount_minor AND substr(@children, t.seq + 1, 1) <> x'01' THEN 1 ELSE 2 END)
      FROM transactions t LEFT JOIN invoices i ON i.id = t.invoice_ref
      WHERE t.status = 'succeeded' AND t.type = 'payment' AND t.site_id = @site`,
    )
    .pluck()
    .get({site, currency, children}),
)
timed(parts, 'refunds and disputes with their payments', () =>
  db
    .prepare(
      `SELECT count(p.seq) FROM transactions c INDEXED BY transactions_parent
       LEFT JOIN transactions p ON p.id = c.provider || ':' || c.parent_external_id
       WHERE c.parent_external_id IS NOT NULL AND c.site_id = ? AND c.type IN ('refund', 'dispute')`,
    )
    .pluck()
    .get(site),
)
timed(parts, 'attempts at invoices', () =>
  db
    .prepare(
      `SELECT count(*) FROM transactions t INDEXED BY transactions_status JOIN invoices i ON i.id = t.invoice_ref
       WHERE t.status IN ('pending', 'authorized', 'failed', 'canceled') AND t.type = 'payment' AND +t.site_id = @site
         AND i.site = @site`,
    )
    .pluck()
    .get({site}),
)
timed(parts, "customers' balances (the balance identity)", () =>
  db
    .prepare(
      `SELECT count(*), sum(minor) FROM ledger_balances WHERE account GLOB 'customer:*' AND site = ? AND minor <> 0`,
    )
    .raw()
    .get(site),
)
// The invoices that are not plain, read whole as the run reads them. Which are plain is marked first, untimed: in
// yms-pay that marking is part of the payments read above (its per-row function), so it is not counted twice.
const plain = new Uint8Array(db.prepare('SELECT max(rowid) FROM invoices').pluck().get() + 1)
for (const row of db
  .prepare(
    `SELECT i.rowid FROM transactions t JOIN invoices i ON i.id = t.invoice_ref
     WHERE t.status = 'succeeded' AND t.type = 'payment' AND t.site_id = @site AND i.amount_minor = t.amount_minor`,
  )
  .raw()
  .pluck()
  .iterate({site}))
  plain[row] = 1
timed(
  parts,
  'invoices that are not plain, read whole',
  () =>
    db
      .prepare(
        `SELECT id, customer, amount_minor, currency, issued_at, due_at FROM invoices
       WHERE rowid IN (SELECT rowid FROM invoices INDEXED BY invoices_site_due WHERE site = @site
         AND substr(@plain, rowid + 1, 1) <> x'01')`,
      )
      .raw()
      .all({site, plain}).length,
)
db.close()

// A real run, untimed, for the rows it stores.
const dist = (path) => new URL(`../../../dist/${path}`, import.meta.url).href
const {runReconcile} = await import(dist('services/reconcile/run.js'))
const {openDatabase} = await import(dist('store/db.js'))
const {resolveHome} = await import(dist('app/home.js'))
const {sqliteHandle} = await import(dist('store/ops/ledger-handle.js'))
const ctx = {
  home: resolveHome({flag: home, env: process.env, xdgDataDir: home, xdgConfigDir: home}),
  actor: 'bench',
  env: process.env,
  terminal: {color: false, interactive: false, stdoutIsTty: false},
  now: () => Date.parse(process.env.BENCH_AT),
  note: () => {},
  warn: () => {},
}
const yms = openDatabase(ctx.home.dbFile)
await runReconcile(sqliteHandle(yms), ctx, {site})
yms.close()

db = new Database(file)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
db.pragma('cache_size = -8192')
db.pragma('foreign_keys = OFF')
const rows = db.prepare('SELECT * FROM reconciliation_exceptions').raw().all()
db.exec('CREATE TABLE bench_exceptions AS SELECT * FROM reconciliation_exceptions WHERE 0')
const insert = db.prepare(`INSERT INTO bench_exceptions VALUES (${rows[0].map(() => '?').join(', ')})`)
timed(parts, `the run's ${rows.length} exception rows stored, committed`, () => {
  db.transaction(() => {
    for (const row of rows) insert.run(row)
  })()
  return rows.length
})
db.close()

const out = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, {ms: v.ms, cpuMs: v.cpuMs}]))
const sum = (key) => Object.values(parts).reduce((a, p) => a + p[key], 0)
const maxRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10
process.stdout.write(`\n${JSON.stringify({ms: sum('ms'), cpuMs: sum('cpuMs'), parts: out, maxRssMb})}\n`)
