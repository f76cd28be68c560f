import {spawn} from 'node:child_process'
import {createServer, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {rmSync} from 'node:fs'

import {Webhook} from 'standardwebhooks'
import {afterAll, describe, expect, it} from 'vitest'

import {raiseAlert} from '../../src/services/alerts/raise.js'
import {BIN, runCli, tempHome} from '../helpers/cli.js'
import {homeWrite} from '../helpers/home-ledger.js'
import {storeEnv} from '../helpers/pg-mode.js'

const SECRET = `whsec_${Buffer.alloc(32, 21).toString('base64')}`
const env = {YMS_PAY_SECRET_ALERT_OPS_SECRET: SECRET}

/**
 * A receiver as the spec asks for: it verifies, processes each webhook-id once and acknowledges repeats. The first
 * request it processes and then never answers: the sender is killed while waiting, as a crash between a receiver's
 * processing and the sender's record of it would leave things.
 */
async function receiver() {
  const processed: Array<{id: string; n: number}> = []
  const seen: string[] = []
  const stuck: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const payload = new Webhook(SECRET).verify(body, req.headers as Record<string, string>) as {data: {n: number}}
      const id = String(req.headers['webhook-id'])
      seen.push(id)
      if (!processed.some((p) => p.id === id)) processed.push({id, n: payload.data.n})
      if (seen.length === 1) stuck.push(res)
      else res.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    processed,
    seen,
    close: () => {
      for (const r of stuck) r.destroy()
      server.closeAllConnections()
      server.close()
    },
  }
}

describe('alerts flush killed while a receiver holds a delivery (built binary)', () => {
  const home = tempHome('yms-alerts-crash-')
  afterAll(() => rmSync(home, {recursive: true, force: true}))

  it('the next flush takes the dead process over and resends under the same webhook-id: each alert processed once, in order', async () => {
    const rx = await receiver()
    try {
      expect((await runCli(['alerts', 'add', 'ops', '--url', rx.url], {home, env})).code).toBe(0)
      await homeWrite(
        home,
        (function* () {
          for (let n = 0; n < 3; n++)
            yield* raiseAlert.ops({
              event: 'balance_changed',
              subject: 'c1',
              customer: 'c1',
              data: {n},
              at: new Date().toISOString(),
            })
        })(),
      )

      const child = spawn(process.execPath, [BIN, 'alerts', 'flush'], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          CI: 'true',
          YMS_PAY_HOME: home,
          ...env,
          ...(await storeEnv(home)),
        },
        stdio: 'ignore',
      })
      const exited = new Promise((resolve) => child.on('exit', resolve))
      const deadline = Date.now() + 15_000
      while (rx.seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      expect(rx.seen).toHaveLength(1)
      child.kill('SIGKILL')
      await exited

      // On PostgreSQL too, at once: the dead flush's claim names it, and taking its lease over releases the claim.
      const again = await runCli(['alerts', 'flush', '--json'], {home, env})
      expect(again.code, again.stdout + again.stderr).toBe(0)
      expect(again.json()).toMatchObject({busy: null, delivered: 3, pending: 0})
      expect(rx.seen).toHaveLength(4)
      expect(rx.seen[1]).toBe(rx.seen[0])
      expect(rx.processed.map((p) => p.n)).toEqual([0, 1, 2])
    } finally {
      rx.close()
    }
  }, 60_000)
})
