import {readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {run, runUntilSignal, tempHome, words} from './helpers.js'

const Served = z.strictObject({
  gateways: z.array(
    z.strictObject({
      kind: z.string(),
      baseUrl: z.url(),
      settings: z.record(z.string(), z.string()),
      secrets: z.record(z.string(), z.string()),
    }),
  ),
  export: z.strictObject({sites: z.string(), customers: z.string(), invoices: z.string()}).nullable(),
})

/** A port the OS just handed out and took back: free for the next bind in all but the unluckiest race. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url)
    return true
  } catch {
    return false
  }
}

describe('sandbox serve (in-process, stopped as Ctrl-C would stop it)', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('serves the --gateways asked for from the --seed world, writes --export, and stops on Ctrl-C', async () => {
    const dir = join(home, 'world')
    // It listens for Ctrl-C once it has printed the gateways.
    const r = await runUntilSignal(
      'SIGINT',
      [...words('sandbox serve --gateways stripe,square --seed 7 --customers 6 --transactions 12 --export'), dir],
      {home},
      () => true,
    )
    expect(r.exitCode, r.stderr).toBe(0)
    const served = Served.parse(JSON.parse(r.stdout))
    expect(served.gateways.map((g) => g.kind)).toEqual(['stripe', 'square'])
    expect(served.gateways[0]!.secrets.api_key).toMatch(/000007/) // the emulator's key is derived from the seed
    expect(served.export).toEqual({
      sites: join(dir, 'sites.csv'),
      customers: join(dir, 'customers.csv'),
      invoices: join(dir, 'invoices.csv'),
    })
    // A header and one line per --customers.
    expect(readFileSync(served.export!.customers, 'utf8').trim().split('\n')).toHaveLength(1 + 6)
    // Stopped: nothing answers on those ports any more.
    expect(await Promise.all(served.gateways.map((g) => answers(g.baseUrl)))).toEqual([false, false])
  })

  it("--port binds there, and the emulator answers in Stripe's wire format with the seed's key while serving", async () => {
    const port = await freePort()
    let listed: unknown
    const r = await runUntilSignal(
      'SIGINT',
      words(`sandbox serve --gateways stripe --port ${port} --seed 42 --customers 3 --transactions 5`),
      {home},
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/charges?limit=1`, {
          headers: {authorization: 'Bearer sk_test_ymsSandbox000042NotARealKey'},
        })
        listed = await res.json()
        return res.status === 200
      },
    )
    expect(Served.parse(JSON.parse(r.stdout)).gateways.map((g) => g.baseUrl)).toEqual([`http://127.0.0.1:${port}`])
    expect(listed).toMatchObject({object: 'list', data: expect.any(Array)})
  })

  it('without --gateways every emulator is served; no --export means export: null', async () => {
    const r = await runUntilSignal(
      'SIGINT',
      ['sandbox', 'serve', '--customers', '3', '--transactions', '3'],
      {home},
      () => true,
    )
    const served = Served.parse(JSON.parse(r.stdout))
    expect(served.gateways.map((g) => g.kind).sort()).toEqual(['adyen', 'braintree', 'paypal', 'square', 'stripe'])
    expect(served.export).toBeNull()
  })

  it('--json: the same JSON document, nothing on stderr for a person; an error is a JSON object on stdout', async () => {
    const r = await runUntilSignal(
      'SIGINT',
      words('sandbox serve --gateways stripe --customers 3 --transactions 3 --json'),
      {home},
      () => true,
    )
    expect(r.exitCode, r.stderr).toBe(0)
    expect(Served.parse(JSON.parse(r.stdout)).gateways.map((g) => g.kind)).toEqual(['stripe'])
    expect(r.stderr).toBe('')

    const bad = await run(words('sandbox serve --gateways bitcoin --json'), {home})
    expect(bad.exitCode).toBe(2)
    expect(JSON.parse(bad.stdout)).toMatchObject({error: {code: 'usage', message: expect.stringMatching(/bitcoin/)}})
  })

  it.each([
    [['sandbox', 'serve', '--gateways', 'stripe,bitcoin'], /--gateways bitcoin: unknown gateway/],
    [['sandbox', 'serve', '--port', '70000'], /--port/],
    [['sandbox', 'serve', '--customers', '0'], /--customers/],
    [['sandbox', 'serve', '--faults', 'sometimes'], /--faults/],
  ])('%j exits 2 before serving anything', async (args, message) => {
    const r = await run(args, {home})
    expect(r.exitCode).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(message)
  })
})
