import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {secretsFromStdinFlag} from '../../cli/provider-flags.js'
import {parseDuration} from '../../core/duration.js'
import {rotateAlertSecret} from '../../services/alerts/rotate.js'
import {requireTarget} from '../../services/alerts/target-checks.js'
import {secretFieldsFor, type AlertTargetView} from '../../services/alerts/targets.js'

export default class AlertsRotateSecret extends BaseCommand<typeof AlertsRotateSecret> {
  static override summary =
    "Replace a receiver's signing secret (the old one keeps signing beside it for --overlap) or a Slack target's URL"
  static override examples = [
    `printf 'secret=%s\\n' "$NEW_WHSEC" | <%= config.bin %> alerts rotate-secret yms --secrets-from-stdin --overlap 24h`,
  ]
  static override args = {id: Args.string({required: true})}
  static override flags = {
    overlap: Flags.string({description: 'How long the replaced secret goes on signing too', default: '24h'}),
    'secrets-from-stdin': secretsFromStdinFlag,
  }

  async run(): Promise<AlertTargetView> {
    if (!this.flags['secrets-from-stdin']) this.requireInteractive(['--secrets-from-stdin (field=value on stdin)'])
    const overlapMs = parseDuration(this.flags.overlap, '--overlap')
    const [field] = secretFieldsFor((await this.read(requireTarget.ops(this.args.id))).format)
    const readValue = async (): Promise<string> => {
      if (this.flags['secrets-from-stdin']) {
        const {readSecretsFromStdin} = await import('../../secrets/index.js')
        return (await readSecretsFromStdin(process.stdin, [field!]))[field!] ?? ''
      }
      const {password} = await import('@inquirer/prompts')
      return password({message: `New ${field} for ${this.args.id}`, mask: '*'}, {output: process.stderr})
    }
    const view = await rotateAlertSecret(await this.ledger(), this.ctx, this.args.id, readValue, {overlapMs})
    this.out(
      view.rotationEndsAt
        ? `${field} of ${view.id} replaced; the previous one also signs until ${view.rotationEndsAt}`
        : `${field} of ${view.id} replaced`,
    )
    return view
  }
}
