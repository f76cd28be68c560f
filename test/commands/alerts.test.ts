import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {raiseAlert} from '../../src/services/alerts/raise.js'
import {homeWrite} from '../helpers/home-ledger.js'
import {alertReceiver, secretOf} from '../services/alerts/helpers.js'
import {run, tempHome} from './helpers.js'

/** The target's secrets as cron provides them: no keychain is reachable from these tests. */
const SECRET = secretOf(6)
const env = {YMS_PAY_SECRET_ALERT_OPS_SECRET: SECRET}
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!()
})

async function receiver(answer?: Parameters<typeof alertReceiver>[1]) {
  const rx = await alertReceiver([SECRET], answer)
  closers.push(rx.close)
  return rx
}

/** An alert raised in the ledger as a sync would raise it. */
function raise(home: string, customer: string) {
  return homeWrite(
    home,
    raiseAlert.ops({event: 'balance_changed', subject: customer, customer, data: {}, at: new Date().toISOString()}),
  )
}

describe('alerts commands', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('add: a standard target without its secret exits 78 naming the variable; with it in the environment, is added', async () => {
    const rx = await receiver()
    const missing = await run(['alerts', 'add', 'ops', '--url', rx.url, '--json'], {home})
    expect(missing.exitCode).toBe(78)
    expect(missing.json<{error: {message: string}}>().error.message).toMatch(
      /alert target "ops".*YMS_PAY_SECRET_ALERT_OPS_SECRET/,
    )

    const added = await run(['alerts', 'add', 'ops', '--url', rx.url, '--events', 'balance_changed', '--json'], {
      home,
      env,
    })
    expect(added.exitCode).toBe(0)
    expect(added.json()).toMatchObject({
      id: 'ops',
      format: 'standard',
      events: ['balance_changed'],
      secrets: [{field: 'secret', source: 'env', envVar: 'YMS_PAY_SECRET_ALERT_OPS_SECRET'}],
    })
    expect(added.stdout).not.toContain(SECRET)
  })

  it('add --secrets-from-stdin needs a keychain: without one it exits 78 naming the variable, and echoes nothing', async () => {
    const r = await run(
      ['alerts', 'add', 'other', '--url', 'https://x.example.test/', '--secrets-from-stdin', '--json'],
      {
        home,
        stdin: `secret=${secretOf(8)}\n`,
      },
    )
    expect(r.exitCode).toBe(78)
    expect(r.json<{error: {code: string; message: string}}>().error).toMatchObject({
      code: 'keychain_unavailable',
      message: expect.stringContaining('YMS_PAY_SECRET_ALERT_OTHER_SECRET'),
    })
    expect(r.stdout + r.stderr).not.toContain(secretOf(8))
  })

  it('test sends a signed message now; flush delivers what is due and exits 4 when an attempt failed', async () => {
    const rx = await receiver((i) => ({status: i === 1 ? 503 : 200}))
    // The target's URL is the first receiver's; point it at this one.
    expect((await run(['alerts', 'remove', 'ops', '--yes'], {home, env})).exitCode).toBe(0)
    expect((await run(['alerts', 'add', 'ops', '--url', rx.url], {home, env})).exitCode).toBe(0)

    const tested = await run(['alerts', 'test', 'ops', '--json'], {home, env})
    expect(tested.exitCode).toBe(0)
    expect(rx.received[0]).toMatchObject({verified: true, payload: {type: 'test'}})

    await raise(home, 'c1')
    const failed = await run(['alerts', 'flush', '--json'], {home, env})
    expect(failed.exitCode).toBe(4)
    expect(failed.json()).toMatchObject({attempted: 1, retrying: 1, pending: 1})
    expect(rx.received[1]!.verified).toBe(true)

    const listed = await run(['alerts', 'list', '--json'], {home, env})
    expect(listed.json<{targets: unknown[]}>().targets).toEqual([
      expect.objectContaining({id: 'ops', deliveries: expect.objectContaining({pending: 1, lastError: 'HTTP 503'})}),
    ])
    // The retry is not due for 5 s: a flush now has nothing to do.
    expect((await run(['alerts', 'flush', '--json'], {home, env})).json()).toMatchObject({attempted: 0, pending: 1})
  })

  it('a receiver that answers 410 is disabled by flush; enable resumes its alerts', async () => {
    let gone = true
    const rx = await receiver(() => ({status: gone ? 410 : 200}))
    await run(['alerts', 'remove', 'ops', '--yes'], {home, env})
    await run(['alerts', 'add', 'ops', '--url', rx.url], {home, env})
    await raise(home, 'c2')
    const flushed = await run(['alerts', 'flush'], {home, env})
    expect(flushed.exitCode).toBe(0)
    expect(flushed.stderr).toContain('410 Gone; disabled (alerts enable ops)')
    gone = false
    const enabled = await run(['alerts', 'enable', 'ops', '--json'], {home, env})
    expect(enabled.json()).toMatchObject({enabled: true, deliveries: {pending: 1}})
    expect((await run(['alerts', 'flush', '--json'], {home, env})).json()).toMatchObject({delivered: 1, pending: 0})
    expect(rx.accepted()).toHaveLength(1)
  })

  it('remove without --yes and without a terminal is a usage error; with it, says what it dropped', async () => {
    expect((await run(['alerts', 'remove', 'ops'], {home, env})).exitCode).toBe(2)
    const removed = await run(['alerts', 'remove', 'ops', '--yes', '--json'], {home, env})
    expect(removed.json()).toMatchObject({id: 'ops', removed: true, secretsDeleted: []})
    expect((await run(['alerts', 'list', '--json'], {home})).json()).toEqual({targets: []})
  })
})
