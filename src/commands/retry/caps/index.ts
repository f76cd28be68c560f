import {BaseCommand} from '../../../cli/base-command.js'
import {type CapView, listNetworkRules} from '../../../services/retry-rules/caps.js'

export default class RetryCaps extends BaseCommand<typeof RetryCaps> {
  static override summary = 'Show the card-network rules enforced per card on top of every retry decision'
  static override description =
    'Visa category-1 declines and Mastercard advice codes 03 and 21 stop a card for good; Visa allows at most 15 reattempts per card in 30 days (20 where its newer rule applies), Mastercard at most 10 declines in 24 hours and 35 in 30 days. Each is a setting with its documented default ("retry caps set").'
  static override examples = ['<%= config.bin %> retry caps', '<%= config.bin %> retry caps --json']

  async run(): Promise<{caps: CapView[]}> {
    const caps = await this.read(listNetworkRules.ops())
    this.out(
      this.ui.table(
        ['setting', 'value', 'default', 'set by', 'what it is'],
        caps.map((c) => [c.name, c.value, c.default, c.set ? `${c.set.by} ${c.set.at}` : '', c.description]),
      ),
    )
    return {caps}
  }
}
