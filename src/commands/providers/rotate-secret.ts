import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {secretsFromStdinFlag} from '../../cli/provider-flags.js'
import {rotateSecret, type RotateResult} from '../../services/providers.js'

export default class ProvidersRotateSecret extends BaseCommand<typeof ProvidersRotateSecret> {
  static override summary = 'Replace one secret in the keychain (asked masked on a terminal, or read from stdin)'
  static override examples = [
    'printf "api_key=%s\\n" "$NEW_KEY" | <%= config.bin %> providers rotate-secret acme-eu --field api_key --secrets-from-stdin',
  ]
  static override args = {id: Args.string({required: true})}
  static override flags = {
    field: Flags.string({required: true, description: 'Secret field, e.g. api_key'}),
    'secrets-from-stdin': secretsFromStdinFlag,
  }

  async run(): Promise<RotateResult> {
    const {field} = this.flags
    if (!this.flags['secrets-from-stdin']) this.requireInteractive(['--secrets-from-stdin (field=value on stdin)'])
    // Read only once the service has checked the provider and the field.
    const readValue = async (): Promise<string> => {
      if (this.flags['secrets-from-stdin']) {
        const {readSecretsFromStdin} = await import('../../secrets/index.js')
        return (await readSecretsFromStdin(process.stdin, [field]))[field] ?? ''
      }
      const {password} = await import('@inquirer/prompts')
      return password({message: `New ${field} for ${this.args.id}`, mask: '*'}, {output: process.stderr})
    }
    const result = await rotateSecret(await this.ledger(), this.ctx, this.args.id, field, readValue)
    this.out(`secret ${result.field} of ${result.id} replaced in the keychain`)
    return result
  }
}
