import {readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {run, runUntilSignal, tempHome, words, writeInput} from './helpers.js'

/** A port the OS just handed out and took back. */
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

describe('sandbox serve --charge-rules', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it("scripts what new charges do: the rule's decline where the test card would be approved", async () => {
    const rules = writeInput(
      home,
      'rules.json',
      JSON.stringify([{gateway: 'stripe', steps: [{outcome: 'insufficient_funds'}, {outcome: 'approve'}]}]),
    )
    const dir = join(home, 'world')
    const statuses: number[] = []
    const port = await freePort()
    const r = await runUntilSignal(
      'SIGINT',
      [
        ...words(
          `sandbox serve --gateways stripe --port ${port} --seed 3 --customers 2 --transactions 0 --charge-rules`,
        ),
        rules,
        '--export',
        dir,
      ],
      {home},
      async () => {
        const customer = readFileSync(join(dir, 'customers.csv'), 'utf8').split('\n')[1]!.split(',')
        const header = readFileSync(join(dir, 'customers.csv'), 'utf8').split('\n')[0]!.split(',')
        const ref = customer[header.indexOf('ref.stripe')]!
        for (const key of ['k1', 'k2']) {
          const res = await fetch(`http://127.0.0.1:${port}/v1/payment_intents`, {
            method: 'POST',
            headers: {
              authorization: 'Bearer sk_test_ymsSandbox000003NotARealKey',
              'idempotency-key': key,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({
              amount: '500',
              currency: 'usd',
              customer: ref,
              payment_method: 'pm_card_visa',
              confirm: 'true',
            }),
          })
          statuses.push(res.status)
        }
        return true
      },
    )
    expect(r.exitCode, r.stderr).toBe(0)
    expect(statuses).toEqual([402, 200])
  })

  it('a rules file that is not a list of rules exits 2 before serving anything', async () => {
    const bad = writeInput(home, 'bad.json', '[{"steps": [{"outcome": "sometimes"}]}]')
    const r = await run(['sandbox', 'serve', '--gateways', 'stripe', '--charge-rules', bad, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: {message: expect.stringMatching(/--charge-rules .*bad.json: 0.steps.0.outcome/)},
    })
    const missing = await run(['sandbox', 'serve', '--charge-rules', join(home, 'nope.json')], {home})
    expect(missing.exitCode).toBe(2)
  })
})
