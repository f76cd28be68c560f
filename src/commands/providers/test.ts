import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {testProvider, type TestResult} from '../../services/providers.js'

export default class ProvidersTest extends BaseCommand<typeof ProvidersTest> {
  static override summary =
    'Authenticate against the gateway and read one page (exit 77 when the credentials are refused)'
  static override args = {id: Args.string({required: true})}

  async run(): Promise<TestResult> {
    const result = await testProvider(await this.ledger(), this.ctx, this.args.id)
    this.out(`${this.ui.chalk.green('ok')}: ${result.provider} (${result.kind}) answered in ${result.durationMs} ms`)
    return result
  }
}
