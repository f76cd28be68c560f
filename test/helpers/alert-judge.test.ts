import {spawn} from 'node:child_process'

import {afterEach, describe, expect, it} from 'vitest'

import {DELIVERY_LEASE, judgeAlerts, type Kill, type OutboxRow} from './alert-judge.js'
import {startAlertReceiver, type AlertReceiver, type Receipt} from './alert-receiver.js'

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
const outbox: OutboxRow[] = [
  {
    seq: 1,
    message_id: 'msg_1',
    event: 'payment.failed',
    subject: 'p1',
    payload: '{"a":1}',
    status: 'delivered',
    attempts: 1,
  },
]
const receipt = (at: number, cut = false): Receipt => ({id: 'msg_1', body: '{"a":1}', at, cut})
const kill = (at: number, leases: string[] = [DELIVERY_LEASE]): Kill => ({at, worker: 'serve-1', pid: 1, leases})

describe('judgeAlerts: a repeated webhook-id only where a kill made it due', () => {
  it('a repeat with no kill between is a problem, with what tells its cause', () => {
    const {problems, repeated} = judgeAlerts(outbox, [receipt(1_000), receipt(1_200)], [kill(500)])
    expect(repeated).toEqual(['msg_1'])
    expect(problems).toEqual([
      'msg_1: received 2 times, 1 with no kill of the deliverer before (attempts 1; receipts at +0, +200 ms; kills near: serve-1@-500(lease))',
    ])
  })

  it('a request its sender died holding: the kill may be stamped before the receipt, within the slack', () => {
    expect(judgeAlerts(outbox, [receipt(1_000, true), receipt(1_500)], [kill(990, [])]).problems).toEqual([])
    // Not cut: the same kill stamped before the first receipt explains nothing.
    expect(judgeAlerts(outbox, [receipt(1_000), receipt(1_500)], [kill(990)]).problems).toHaveLength(1)
    // Cut, but the only kill is long before it.
    expect(judgeAlerts(outbox, [receipt(10_000, true), receipt(10_500)], [kill(990)]).problems).toHaveLength(1)
  })

  it('answered, then its sender killed holding the delivery lease before recording the answer', () => {
    expect(judgeAlerts(outbox, [receipt(1_000), receipt(1_500)], [kill(1_100)]).problems).toEqual([])
    // A killed process that held no delivery lease did not send it.
    expect(judgeAlerts(outbox, [receipt(1_000), receipt(1_500)], [kill(1_100, ['sync:stripe'])]).problems).toHaveLength(
      1,
    )
  })
})

describe('the alert receiver marks a request whose sender went away before the answer', () => {
  let rx: AlertReceiver | undefined
  afterEach(async () => rx?.close())

  /** A process that sends one signed alert; SIGKILLed after `killAfterMs` when given. */
  const send = async (answerAfterMs: number, killAfterMs?: number) => {
    rx = await startAlertReceiver(SECRET, answerAfterMs)
    const script = `
      import {Webhook} from 'standardwebhooks'
      const body = '{"a":1}'
      const headers = {'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000))}
      headers['webhook-signature'] = new Webhook(${JSON.stringify(SECRET)}).sign('msg_1', new Date(), body)
      await fetch(${JSON.stringify(rx.url)}, {method: 'POST', headers, body})`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: 'ignore'})
    const closed = new Promise((resolve) => child.once('close', resolve))
    if (killAfterMs !== undefined) {
      const until = Date.now() + 10_000
      while (rx.receipts.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
      child.kill('SIGKILL')
    }
    await closed
    await new Promise((r) => setTimeout(r, answerAfterMs + 50))
    return rx.receipts
  }

  it('cut when the sender is killed while the receiver holds its request', async () => {
    const receipts = await send(300, 0)
    expect(receipts.map((r) => [r.id, r.cut])).toEqual([['msg_1', true]])
  })

  it('not cut when the answer went out', async () => {
    const receipts = await send(10)
    expect(receipts.map((r) => [r.id, r.cut])).toEqual([['msg_1', false]])
  })
})
