import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

import {Webhook} from 'standardwebhooks'

/**
 * A Standard Webhooks receiver on loopback, as the spec asks one to be: it verifies each request's signature (401
 * when it fails) and de-duplicates on webhook-id, the id a sender keeps when it sends again. Every receipt is kept,
 * in arrival order, for a test to say what "delivered once" meant.
 */
export interface Receipt {
  id: string
  body: string
  /** Date.now() when it arrived. */
  at: number
  /**
   * Its connection closed before it was answered: the sender went away holding it (killed, or gave up). Set after the
   * receipt is kept, when the answer would have gone out.
   */
  cut: boolean
}

export interface AlertReceiver {
  url: string
  /** Every verified request, repeats too. */
  receipts: Receipt[]
  /** Requests whose signature did not verify (each a reason). */
  refused: string[]
  /** Requests received and not answered yet. */
  inFlight(): number
  close(): Promise<void>
}

/** `answerAfterMs`: how long each answer takes (a receiver doing its work), so a test can kill a sender meanwhile. */
export async function startAlertReceiver(secret: string, answerAfterMs = 0): Promise<AlertReceiver> {
  const hook = new Webhook(secret)
  const receipts: Receipt[] = []
  const refused: string[] = []
  let inFlight = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      try {
        hook.verify(body, req.headers as Record<string, string>)
      } catch (error) {
        refused.push((error as Error).message)
        return res.writeHead(401).end()
      }
      const receipt: Receipt = {id: String(req.headers['webhook-id']), body, at: Date.now(), cut: false}
      receipts.push(receipt)
      inFlight++
      res.on('close', () => {
        if (!res.writableFinished) receipt.cut = true
      })
      setTimeout(() => {
        inFlight--
        if (!res.destroyed) res.writeHead(204).end()
      }, answerAfterMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    receipts,
    refused,
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
