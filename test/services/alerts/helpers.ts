import {createServer, type IncomingHttpHeaders} from 'node:http'
import {mkdtempSync, rmSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Webhook} from 'standardwebhooks'

import type {AppContext} from '../../../src/app/context.js'
import {createMemoryKeychain, createSecretStore, type SecretStore} from '../../../src/secrets/index.js'
import {addAlertTarget} from '../../../src/services/alerts/targets.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {storeId} from '../../../src/store/repos/store-identity.js'
import {testContext} from '../../helpers/sync-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

export const secretOf = (byte: number) => `whsec_${Buffer.alloc(32, byte).toString('base64')}`

/** A fresh ledger with an in-memory keychain: what the alerts services need, nothing else. */
export function alertsHome(): {db: Db; ctx: AppContext; store: SecretStore; warnings: string[]; cleanup(): void} {
  const home = mkdtempSync(join(tmpdir(), 'yms-alerts-'))
  const warnings: string[] = []
  const ctx = {...testContext(home, {}), warn: (m: string) => void warnings.push(m)}
  const db = openDatabase(ctx.home.dbFile)
  const store = createSecretStore({namespace: storeId(db), env: {}, backend: createMemoryKeychain()})
  return {
    db,
    ctx,
    store,
    warnings,
    cleanup: () => {
      db.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
}

export async function addStandardTarget(
  h: {db: Db; ctx: AppContext; store: SecretStore},
  id: string,
  url: string,
  secret: string,
  events = '*',
) {
  return addAlertTarget(sqliteHandle(h.db), h.ctx, {id, format: 'standard', url, events, secrets: {secret}}, h.store)
}

export interface Delivery {
  id: string
  timestamp: string
  signature: string
  body: string
  headers: IncomingHttpHeaders
  /** What the receiver answered. */
  status: number
  /** Whether Webhook.verify (the reference implementation) accepted it with `secret`. */
  verified: boolean
  payload: {type: string; timestamp: string; data: Record<string, unknown>} | null
}

/**
 * A loopback alert receiver. `answer` decides each request's status (by arrival index) and headers; every request is
 * verified with the standardwebhooks package before it is answered.
 */
export async function alertReceiver(
  secrets: readonly string[],
  answer: (index: number) => {status: number; headers?: Record<string, string>} = () => ({status: 200}),
) {
  const received: Delivery[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let payload: Delivery['payload'] = null
      for (const secret of secrets) {
        try {
          payload = new Webhook(secret).verify(body, req.headers as Record<string, string>) as Delivery['payload']
          break
        } catch {
          // try the next secret
        }
      }
      const reply = answer(received.length)
      received.push({
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        body,
        headers: req.headers,
        status: reply.status,
        verified: payload !== null,
        payload,
      })
      res.writeHead(reply.status, {'content-type': 'text/plain', ...reply.headers}).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/yms`,
    received,
    /** Deliveries answered 2xx: what the receiver accepted. */
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
