// The floor: the least any reconciliation must do, one SQL join that only counts the payments whose reference names
// an invoice of the site with the same amount and currency. Plain node and better-sqlite3, on the same file and page
// cache size as yms-pay's connection. Prints {ms, cpuMs, count, maxRssMb}.
import Database from 'better-sqlite3'

const file = process.env.BENCH_DB
const site = process.env.BENCH_SITE
const db = new Database(file, {readonly: true})
db.pragma('cache_size = -8192')
const floor = db.prepare(
  `SELECT count(*) FROM transactions t JOIN invoices i ON i.id = t.invoice_ref
   WHERE t.type = 'payment' AND t.status = 'succeeded' AND t.site_id = ? AND i.site = ?
     AND i.amount_minor = t.amount_minor AND i.currency = t.currency`,
)
const c0 = process.cpuUsage()
const t0 = performance.now()
const count = floor.pluck().get(site, site)
const ms = performance.now() - t0
const cpu = process.cpuUsage(c0)
const cpuMs = (cpu.user + cpu.system) / 1000
db.close()
const maxRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10
process.stdout.write(`\n${JSON.stringify({ms, cpuMs, count, maxRssMb})}\n`)
