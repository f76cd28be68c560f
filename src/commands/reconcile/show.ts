import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {reconcileCsv, renderReconcile} from '../../cli/reconcile-view.js'
import {showReconcileRun, type ShownRun} from '../../services/reconcile/runs.js'

export default class ReconcileShow extends BaseCommand<typeof ReconcileShow> {
  static override summary = 'Show a reconcile run: its summary and exceptions, with their status now'
  static override args = {runId: Args.integer({description: 'Run id (reconcile list)', required: true})}
  static override flags = {
    format: Flags.string({options: ['table', 'json', 'csv'], default: 'table'}),
    limit: Flags.integer({description: 'Exceptions shown in the table', default: 100, min: 0}),
  }

  async run(): Promise<ShownRun> {
    const run = await this.read(showReconcileRun.ops(this.args.runId))
    if (this.flags.format === 'csv' && !this.jsonEnabled()) this.emit(reconcileCsv(run.exceptions))
    else if (this.flags.format === 'json') this.out(JSON.stringify(run, null, 2))
    else {
      this.out(renderReconcile(run, this.ui, {limit: this.flags.limit}))
      const changed = run.exceptions.filter((e) => e.changedSince).length
      if (changed > 0) this.ctx.note(`${changed} exception(s) changed since this run: their latest facts are shown`)
    }
    return run
  }
}
