import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {secretsFromStdinFlag} from '../../cli/provider-flags.js'
import {ALERT_EVENTS} from '../../services/alerts/events.js'
import {targetVariable} from '../../services/alerts/target-secrets.js'
import {addAlertTarget, secretFieldsFor, type AlertTargetView} from '../../services/alerts/targets.js'

export default class AlertsAdd extends BaseCommand<typeof AlertsAdd> {
  static override summary =
    'Send alerts to a receiver: a Standard Webhooks endpoint (signed, the default) or a Slack incoming webhook'
  static override description = `Events: ${ALERT_EVENTS.join(', ')}. A standard target's whsec_ signing secret (field secret) and a Slack target's URL (field url, itself a credential) go to the OS keychain, like a provider's: on a terminal they are asked for (masked), otherwise read as field=value lines with --secrets-from-stdin, or provided as YMS_PAY_SECRET_ALERT_<ID>_<FIELD>. Alerts are delivered by \`sync --watch\`, \`webhooks serve\` and \`alerts flush\`.`
  static override examples = [
    `printf 'secret=%s\\n' "$WHSEC" | <%= config.bin %> alerts add yms --url https://yms.example.com/hooks/payments --events balance_changed --secrets-from-stdin`,
    `printf 'url=%s\\n' "$SLACK_WEBHOOK_URL" | <%= config.bin %> alerts add oncall --format slack --secrets-from-stdin`,
  ]
  static override args = {id: Args.string({required: true, description: 'A name for this receiver'})}
  static override flags = {
    url: Flags.string({description: 'Where to POST (https; plain http only to this machine)'}),
    events: Flags.string({
      description: 'Comma-separated events, or * (default: all; for slack, all but balance_changed)',
    }),
    format: Flags.string({options: ['standard', 'slack'], default: 'standard', description: 'Payload format'}),
    'secrets-from-stdin': secretsFromStdinFlag,
  }

  async run(): Promise<AlertTargetView> {
    const format = this.flags.format as 'standard' | 'slack'
    const [field] = secretFieldsFor(format)
    const fromStdin = async () =>
      (await import('../../secrets/index.js')).readSecretsFromStdin(process.stdin, secretFieldsFor(format))
    // On a terminal, ask for what neither a flag nor the environment gives.
    const ask = async (): Promise<Record<string, string>> => {
      if ((format === 'slack' && this.flags.url) || process.env[targetVariable(this.args.id, field!)]) return {}
      const {password} = await import('@inquirer/prompts')
      const message = format === 'slack' ? 'Slack incoming-webhook URL' : 'Signing secret (whsec_...)'
      return {[field!]: await password({message, mask: '*'}, {output: process.stderr})}
    }
    const interactive = this.ctx.terminal.interactive && !this.flags['secrets-from-stdin']
    const view = await addAlertTarget(await this.ledger(), this.ctx, {
      id: this.args.id,
      format,
      url: this.flags.url ?? null,
      events: this.flags.events,
      secrets: this.flags['secrets-from-stdin'] ? fromStdin : interactive ? ask : {},
    })
    this.out(`alert target ${view.id} (${view.format}) added: ${view.events.join(', ')}`)
    return view
  }
}
