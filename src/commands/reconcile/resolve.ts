import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {resolveReconcileException, type Resolution} from '../../services/reconcile/runs.js'

export default class ReconcileResolve extends BaseCommand<typeof ReconcileResolve> {
  static override summary = 'Resolve a reconcile exception (audited); it stays resolved until its facts change'
  static override args = {id: Args.string({description: 'Exception id, e.g. rx_3f2a...', required: true})}
  static override flags = {note: Flags.string({description: 'Why it is resolved', required: true})}
  static override examples = [
    '<%= config.bin %> reconcile resolve rx_3f2a9c0d1e2b4a5c --note "refunded by bank transfer"',
  ]

  async run(): Promise<Resolution> {
    const r = await this.write(resolveReconcileException.ops(this.ctx, this.args.id, this.flags.note))
    this.out(`${r.id} (${r.class}, site ${r.site}) resolved by ${r.resolvedBy}: ${r.note}`)
    return r
  }
}
