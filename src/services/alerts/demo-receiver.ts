import {timingSafeEqual} from 'node:crypto'
import {createServer, type IncomingHttpHeaders} from 'node:http'
import type {AddressInfo} from 'node:net'

import {signatureHeader, signingKey} from './sign.js'

/** One alert as a receiver saw it. */
export interface ReceivedAlert {
  id: string
  type: string
  /** The signature verified with the receiver's secret and the timestamp is within 5 minutes. */
  verified: boolean
  body: string
}

const TOLERANCE_S = 5 * 60

/**
 * A receiver on loopback, as the demo's admin would run one: it checks each delivery as a Standard Webhooks receiver
 * must (docs/alerts.md#signing) and answers 200 to the ones that verify, 401 to the others.
 */
export async function startAlertReceiver(secret: string, now: () => number = Date.now) {
  const key = signingKey(secret)
  const received: ReceivedAlert[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const id = String(req.headers['webhook-id'] ?? '')
      const verified = verify(key, id, now(), req.headers, body)
      let type = '?'
      try {
        type = String((JSON.parse(body) as {type?: unknown}).type)
      } catch {
        // not JSON: counted as received, unverified or not
      }
      received.push({id, type, verified, body})
      res.writeHead(verified ? 200 : 401).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** `nowMs`: the receiver's clock (the demo's, which it moves on days to show later retries). */
function verify(key: Buffer, id: string, nowMs: number, headers: IncomingHttpHeaders, body: string): boolean {
  const seconds = Number(headers['webhook-timestamp'])
  const signatures = headers['webhook-signature']
  if (!id || !Number.isInteger(seconds) || Math.abs(nowMs / 1000 - seconds) > TOLERANCE_S) return false
  const expected = Buffer.from(signatureHeader({id, timestamp: seconds, body}, [key]))
  return String(signatures ?? '')
    .split(' ')
    .some((entry) => {
      const given = Buffer.from(entry)
      return given.length === expected.length && timingSafeEqual(given, expected)
    })
}
