import {createHmac, timingSafeEqual} from 'node:crypto'
import {createServer} from 'node:http'
import {createRequire} from 'node:module'
import {Worker} from 'node:worker_threads'

/**
 * The least a receiver can do and still meet the target's terms, "every event verified and durably committed
 * before 2xx", for test/bench/webhooks.ts: node:http reads the body, checks Stripe's signature (HMAC-SHA256 of
 * "t.body", constant time), parses the JSON once, and stores the event's id and raw body in SQLite (WAL,
 * synchronous=FULL, as the ledger commits), the events that arrived together in one transaction on a writer thread, then answers 200.
 * No ledger: no customer, posting, balance, history or latency sample. The gap between this and the node:http floor is
 * what verifying and committing cost on this machine whatever the receiver does with the event.
 * BENCH_SECRET: the endpoint's secret; BENCH_DB: the file. Prints one JSON line {url} once listening.
 */
const secret = Buffer.from(process.env.BENCH_SECRET, 'utf8')

// The commits run on a worker thread, a group at a time, while this thread verifies and parses the next group: the
// disk's fsync never stalls the HTTP side (as in yms-pay's own writer thread).
const writer = new Worker(
  `
  const {parentPort, workerData} = require('node:worker_threads')
  const Database = require(workerData.sqlite)
  const db = new Database(workerData.file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec('CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID')
  const insert = db.prepare('INSERT OR IGNORE INTO events (id, body) VALUES (?, ?)')
  const commit = db.transaction((ids, bodies) => { for (let i = 0; i < ids.length; i++) insert.run(ids[i], bodies[i]) })
  parentPort.on('message', ({ids, bodies}) => { commit(ids, bodies); parentPort.postMessage(ids.length) })
  `,
  {
    eval: true,
    workerData: {file: process.env.BENCH_DB, sqlite: createRequire(import.meta.url).resolve('better-sqlite3')},
  },
)

function verified(header, body) {
  let t = null
  const sigs = []
  for (const part of String(header ?? '').split(',')) {
    const eq = part.indexOf('=')
    if (part.slice(0, eq) === 't') t = part.slice(eq + 1)
    else if (part.slice(0, eq) === 'v1') sigs.push(Buffer.from(part.slice(eq + 1), 'hex'))
  }
  if (t === null || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest()
  return sigs.some((s) => s.length === expected.length && timingSafeEqual(s, expected))
}

let queue = []
let inFlight = null
function flush() {
  if (inFlight !== null || queue.length === 0) return
  inFlight = queue
  queue = []
  writer.postMessage({ids: inFlight.map((e) => e.id), bodies: inFlight.map((e) => e.body)})
}
writer.on('message', () => {
  for (const e of inFlight) {
    e.res.writeHead(200, {'content-type': 'application/json', 'content-length': '15'})
    e.res.end('{"received":1}\n')
  }
  inFlight = null
  flush()
})

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    if (!verified(req.headers['stripe-signature'], body)) {
      res.writeHead(401).end()
      return
    }
    const text = body.toString('utf8')
    const {id} = JSON.parse(text)
    queue.push({id, body: text, res})
    if (inFlight === null && queue.length === 1) setImmediate(flush)
  })
})
server.keepAliveTimeout = 5_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({event: 'listening', url: `http://127.0.0.1:${server.address().port}`})}\n`)
})
process.on('SIGTERM', () =>
  server.close(() => {
    void writer.terminate().then(() => process.exit(0))
  }),
)
