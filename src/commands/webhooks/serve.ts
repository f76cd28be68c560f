import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {DEFAULTS, startWebhookServer, type WebhookServerStats} from '../../services/webhooks/serve.js'

export default class WebhooksServe extends BaseCommand<typeof WebhooksServe> {
  static override summary =
    'Receive gateway webhooks into the ledger: verified, de-duplicated, committed before the 2xx'
  static override description = `POST /webhooks/<provider-id>: the provider's adapter verifies the signature (401 when it fails, 400 for a body that cannot be the gateway's, 404 for an unknown provider, 403 for a disabled one, 413 over ${DEFAULTS.maxBodyBytes / 1024} KiB), the event is de-duplicated on the gateway's event key and applied like a sync (grants, quarantine, ledger), and the 2xx is sent only once that is committed. Events that only name an object (a thin event, a report announced) make yms-pay read it from the gateway. The alerts they raise are delivered while it serves (alerts add). GET /healthz answers 200 while serving. SIGTERM or Ctrl-C: in-flight requests finish, then exit 0.`
  static override examples = [
    '<%= config.bin %> webhooks serve',
    '<%= config.bin %> webhooks serve --host 0.0.0.0 --port 8787 --json',
  ]
  static override flags = {
    host: Flags.string({description: 'Address to listen on (behind a TLS-terminating proxy)', default: DEFAULTS.host}),
    port: Flags.integer({description: 'Port (0: any free one, printed)', default: DEFAULTS.port, min: 0, max: 65535}),
  }

  async run(): Promise<WebhookServerStats> {
    // Listened for before anything is announced: a supervisor may stop the server the moment it reads "listening"
    // (often before this process runs its next statement), and an unhandled SIGTERM would kill it mid-request
    // instead of draining. A stop asked for while it starts is honoured once it has started.
    const stop = stopRequested()
    const server = await startWebhookServer(await this.ledger(), this.ctx, {
      host: this.flags.host,
      port: this.flags.port,
      deliverAlerts: true,
    })
    if (this.jsonEnabled()) this.jsonLine({event: 'listening', url: server.url})
    else this.out(`listening on ${server.url} (POST /webhooks/<provider-id>, GET /healthz); Ctrl-C to stop`)
    await stop
    this.ctx.note('stopping: finishing the requests in flight')
    const final = await server.close()
    if (final.forced > 0) this.ctx.warn(`${final.forced} request(s) cut off after the drain deadline`)
    const {forced: _forced, ...stats} = final
    this.out(`accepted ${stats.accepted}, duplicates ${stats.duplicates}, refused ${sum(stats.refused)}`)
    // --json streams JSON lines (one when listening, one with the totals), as `sync --watch --json` does.
    if (this.jsonEnabled()) {
      this.jsonLine({event: 'stopped', ...stats})
      return undefined as unknown as WebhookServerStats
    }
    return stats
  }
}

function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}
