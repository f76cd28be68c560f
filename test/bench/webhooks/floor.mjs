import {createServer} from 'node:http'

/**
 * The floor for test/bench/webhooks.ts: node:http that reads each request's body and answers 200, nothing else.
 * Prints one JSON line {url} once listening; serves until SIGTERM.
 */
const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    Buffer.concat(chunks)
    res.writeHead(200, {'content-type': 'application/json', 'content-length': '15'})
    res.end('{"received":1}\n'.slice(0, 15))
  })
})
server.keepAliveTimeout = 5_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({event: 'listening', url: `http://127.0.0.1:${server.address().port}`})}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
