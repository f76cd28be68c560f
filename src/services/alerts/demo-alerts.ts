import {randomBytes} from 'node:crypto'

import type {AppContext} from '../../app/context.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {startAlertReceiver} from './demo-receiver.js'
import {flushAlerts} from './flush.js'
import {slackMessage} from './slack.js'
import {targetVariable} from './target-secrets.js'
import {addAlertTarget} from './targets.js'

export interface DemoAlerts {
  /** Alerts the admin's receiver got, how many of them verified, and how many per event. */
  received: number
  verified: number
  byEvent: Record<string, number>
  /** The first alert of each event, in words (the Slack format's, without its markup, for a terminal). */
  samples: string[]
}

const TARGET = 'demo-admin'

/**
 * The demo's alert receiver on loopback and its target, added before the sync so the sync's alerts are raised. Its
 * signing secret is made here and passed as YMS_PAY_SECRET_ALERT_DEMO_ADMIN_SECRET, like the demo's gateway keys.
 */
export async function startDemoAlerts(ledger: LedgerHandle, ctx: AppContext) {
  const secret = `whsec_${randomBytes(32).toString('base64')}`
  ctx.env[targetVariable(TARGET, 'secret')] = secret
  const receiver = await startAlertReceiver(secret, ctx.now)
  try {
    await addAlertTarget(ledger, ctx, {id: TARGET, format: 'standard', url: receiver.url, secrets: {}})
  } catch (error) {
    await receiver.close()
    throw error
  }
  return {
    /** Delivers what was raised (as `alerts flush` would) and says what the receiver got. */
    async deliver(): Promise<DemoAlerts> {
      await flushAlerts(ledger, ctx)
      const byEvent: Record<string, number> = {}
      const samples = new Map<string, string>()
      for (const r of receiver.received) {
        byEvent[r.type] = (byEvent[r.type] ?? 0) + 1
        if (!samples.has(r.type)) samples.set(r.type, plain((JSON.parse(slackMessage(r.body)) as {text: string}).text))
      }
      const verified = receiver.received.filter((r) => r.verified).length
      return {received: receiver.received.length, verified, byEvent, samples: [...samples.values()]}
    },
    close: () => receiver.close(),
  }
}

/** Slack's mrkdwn as plain text: no emoji codes, no bold marks, the three escaped characters back. */
function plain(text: string): string {
  return text
    .replace(/^:[a-z_]+: /, '')
    .replace(/\*/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
