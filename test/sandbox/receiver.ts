import {createServer, type IncomingMessage} from 'node:http'
import type {AddressInfo} from 'node:net'

/** A loopback webhook receiver whose answers the test scripts (status per request, in order). */
export interface Received {
  path: string
  headers: IncomingMessage['headers']
  body: string
}

export async function startReceiver(answer: (index: number, req: Received) => number = () => 200) {
  const received: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry = {path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8')}
      received.push(entry)
      res.writeHead(answer(received.length - 1, entry), {'content-type': 'text/plain'}).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
