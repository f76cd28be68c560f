import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {listReconcileRuns, type RunListItem} from '../../services/reconcile/runs.js'

export default class ReconcileList extends BaseCommand<typeof ReconcileList> {
  static override summary = 'List reconcile runs, newest first'
  static override flags = {
    site: Flags.string({description: 'Only this site'}),
    limit: Flags.integer({description: 'At most this many', default: 20, min: 1}),
  }

  async run(): Promise<RunListItem[]> {
    const runs = await this.read(listReconcileRuns.ops({site: this.flags.site, limit: this.flags.limit}))
    if (runs.length === 0) this.out('no reconcile runs yet: run `yms-pay reconcile --site <id>`')
    else
      this.out(
        this.ui.table(
          ['run', 'site', 'at', 'actor', 'period', 'providers', 'tolerance', 'exceptions', 'open'],
          runs.map((r) => [
            r.runId,
            r.site,
            r.at,
            r.actor,
            r.from || r.to ? `${r.from ?? '...'} .. ${r.to ?? '...'}` : 'all',
            r.providers.join(', ') || 'all',
            r.tolerance,
            r.exceptions,
            r.open,
          ]),
        ),
      )
    return runs
  }
}
