import type {WebhookRequest, WebhookVerification} from '../../gateways/types.js'
import type {Provider} from '../../store/repos/providers.js'
import type {BodyResult} from './body.js'
import type {Committer} from './committer.js'
import type {Connections} from './connections.js'
import {printable, type Refusal, type RefusalLog} from './refusals.js'

/** What the HTTP layer writes back. */
export interface Reply {
  status: number
  contentType: string
  body: string
}

export interface ReceiveDeps {
  connections: Connections
  committer: Committer
  refusals: RefusalLog
  now: () => number
}

export interface IncomingWebhook {
  providerId: string
  headers: Record<string, string>
  /** The URL the sender posted to, as this server saw it. */
  url: string
  receivedAt: number
  readBody(): Promise<BodyResult>
}

/**
 * `POST /webhooks/<provider-id>`: the provider must exist (404) and be enabled (403); the body must arrive whole
 * within the limits (413, 408); the provider's adapter must verify it (401; 400 for a body that cannot be the
 * gateway's; 503 while the signing secret cannot be read); then it is committed, and only then answered 2xx, with
 * the gateway's expected acknowledgement when it has one (Adyen's `[accepted]`). Every refusal is counted and
 * audited with its reason.
 */
export async function receiveWebhook(deps: ReceiveDeps, req: IncomingWebhook): Promise<Reply> {
  const refuse = (refusal: Omit<Refusal, 'provider'>, provider: string | null = null): Reply => {
    deps.refusals.record({...refusal, provider}, new Date(deps.now()).toISOString())
    return {status: refusal.status, contentType: 'application/json', body: JSON.stringify({error: refusal.reason})}
  }
  let provider: Provider | null
  try {
    provider = await deps.connections.provider(req.providerId)
  } catch {
    // The ledger cannot be read (a PostgreSQL server restarting): the gateway retries a 503. Its error is not the
    // sender's to read.
    return refuse({status: 503, reason: 'the ledger cannot be read'})
  }
  if (!provider) return refuse({status: 404, reason: 'unknown provider', subject: printable(req.providerId, 64)})
  if (!provider.enabled) return refuse({status: 403, reason: 'provider is disabled'}, provider.id)
  const body = await req.readBody()
  if (!body.ok) return refuse({status: body.status ?? 400, reason: body.reason}, provider.id)
  const webhook: WebhookRequest = {headers: req.headers, rawBody: body.body, url: req.url}
  const verified = await verify(deps, provider, webhook)
  if ('status' in verified) return refuse(verified, provider.id)
  if (!verified.ok) return refuse({status: verified.malformed ? 400 : 401, reason: verified.reason}, provider.id)
  try {
    const outcome = await deps.committer.submit({
      provider: provider.id,
      kind: provider.kind,
      dedupKey: verified.dedupKey,
      events: verified.events,
      body: body.body,
      receivedAt: req.receivedAt,
    })
    if (verified.ack)
      return {status: verified.ack.status, contentType: verified.ack.contentType, body: verified.ack.body}
    return {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({received: true, duplicate: outcome.status === 'duplicate'}),
    }
  } catch (error) {
    return refuse({status: 500, reason: `not committed: ${(error as Error).message}`}, provider.id)
  }
}

type Verified = WebhookVerification | {status: 500 | 503; reason: string}

/**
 * The adapter's verdict. A signature that fails with a client older than a few seconds is checked once more with
 * the secrets read again: the admin may have rotated the signing secret while the server ran.
 */
async function verify(deps: ReceiveDeps, provider: Provider, webhook: WebhookRequest): Promise<Verified> {
  const attempt = async (): Promise<Verified> => {
    let client
    try {
      client = await deps.connections.client(provider)
    } catch (error) {
      return {status: 503, reason: `cannot verify: ${(error as Error).message}`}
    }
    try {
      return await client.verifyWebhook(webhook)
    } catch (error) {
      return {status: 503, reason: `cannot verify: ${(error as Error).message}`}
    }
  }
  const first = await attempt()
  if ('status' in first || first.ok || first.malformed) return first
  try {
    if (!(await deps.connections.renew(provider))) return first
  } catch {
    return first
  }
  return attempt()
}
