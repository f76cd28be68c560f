import {createServer, request, type IncomingMessage} from 'node:http'

import {createRng} from '../../src/sandbox/prng.js'

/**
 * A load balancer in front of several `webhooks serve` on one ledger, as issue 14 deploys them: each request goes to
 * a live server picked at random, and `doubleRate` of them to two at once (a gateway's redelivery racing its first
 * attempt). The gateway gets a 2xx when either committed it, else the first server's refusal, or 502 when none
 * answered (a server killed mid-request, or none up).
 */
export interface Balancer {
  stats: {requests: number; doubled: number; unanswered: number}
  close(): Promise<void>
}

interface Answer {
  status: number
  headers: Record<string, string>
  body: Buffer
}

function forward(port: number, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out = request({host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 502,
          headers: {'content-type': String(res.headers['content-type'] ?? 'text/plain')},
          body: Buffer.concat(chunks),
        }),
      )
      res.on('error', reject)
    })
    out.on('error', reject)
    out.end(body)
  })
}

export async function startBalancer(opts: {
  port: number
  /** The ports of the servers up now. */
  live: () => number[]
  seed: number
  doubleRate: number
}): Promise<Balancer> {
  const rng = createRng(opts.seed)
  const stats = {requests: 0, doubled: 0, unanswered: 0}
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      stats.requests++
      const live = opts.live()
      const first = live[Math.floor(rng.next() * live.length)]
      const targets = first === undefined ? [] : [first]
      const others = live.filter((p) => p !== first)
      if (others.length > 0 && rng.next() < opts.doubleRate) {
        targets.push(others[Math.floor(rng.next() * others.length)]!)
        stats.doubled++
      }
      void Promise.allSettled(targets.map((p) => forward(p, req, Buffer.concat(chunks)))).then((settled) => {
        const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
        const answer = answers.find((a) => a.status >= 200 && a.status < 300) ?? answers[0]
        if (answer) return res.writeHead(answer.status, answer.headers).end(answer.body)
        stats.unanswered++
        res.writeHead(502).end()
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(opts.port, '127.0.0.1', resolve))
  return {
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
