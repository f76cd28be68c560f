import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {parseDuration} from '../../core/duration.js'
import {ExitCode} from '../../core/errors.js'
import {testAlertTarget, type TestDelivery} from '../../services/alerts/test-target.js'

export default class AlertsTest extends BaseCommand<typeof AlertsTest> {
  static override summary = 'Send one signed test message to a receiver now (exit 4 when it is not accepted)'
  static override args = {id: Args.string({required: true})}
  static override flags = {timeout: Flags.string({description: 'How long to wait for the answer', default: '15s'})}

  async run(): Promise<TestDelivery> {
    const timeoutMs = parseDuration(this.flags.timeout, '--timeout')
    const result = await testAlertTarget(await this.ledger(), this.ctx, this.args.id, {timeoutMs})
    if (result.delivered) {
      this.out(`${this.ui.chalk.green('ok')}: ${result.id} accepted ${result.messageId} (HTTP ${result.status})`)
    } else {
      this.problem(`${result.id} did not accept the test message: ${result.error}`)
      process.exitCode = ExitCode.partial
    }
    return result
  }
}
