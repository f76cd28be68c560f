import type {SecretStore} from '../../secrets/index.js'
import type {AlertTarget} from '../../store/repos/alerts.js'
import type {Outgoing} from './send.js'
import {signatureHeader} from './sign.js'
import {signingKeys, slackUrl} from './target-secrets.js'
import {slackMessage} from './slack.js'

const USER_AGENT = 'yms-pay/0.1 (alerts)'

/**
 * The request one attempt makes: for `standard`, the stored payload with the Standard Webhooks headers, signed at
 * this attempt's time under the same webhook-id as every other attempt (a receiver de-duplicates on it); for
 * `slack`, the payload in words. Throws a ConfigError when a secret it needs is missing.
 */
export function requestFor(
  store: SecretStore,
  target: AlertTarget,
  message: {messageId: string; payload: string},
  nowMs: number,
): Outgoing {
  if (target.format === 'slack') {
    return {
      url: slackUrl(store, target),
      headers: {'content-type': 'application/json', 'user-agent': USER_AGENT},
      body: slackMessage(message.payload),
    }
  }
  const timestamp = Math.floor(nowMs / 1000)
  const signature = signatureHeader(
    {id: message.messageId, timestamp, body: message.payload},
    signingKeys(store, target, nowMs),
  )
  return {
    url: target.url,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': message.messageId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
    body: message.payload,
  }
}
