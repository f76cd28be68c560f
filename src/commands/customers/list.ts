import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {pageOf, type PageInfo} from '../../cli/list-page.js'
import {listCustomers, type CustomerView} from '../../services/customers.js'
import {refuseUnknownFilterNames} from '../../services/filter-names.js'

export default class CustomersList extends BaseCommand<typeof CustomersList> {
  static override summary = 'List customers'
  static override flags = {
    site: Flags.string({description: 'Only this site'}),
    segment: Flags.string({description: 'Only this segment'}),
    limit: Flags.integer({description: 'At most this many', default: 1000, min: 1}),
  }

  async run(): Promise<{customers: CustomerView[]} & PageInfo> {
    const {site, segment, limit} = this.flags
    const fetched = await this.read(
      (function* () {
        const rows = yield* listCustomers.ops({site, segment, limit: limit + 1})
        yield* refuseUnknownFilterNames.ops(rows.length, {site})
        return rows
      })(),
    )
    const {rows: customers, page} = pageOf(limit, fetched, {narrowWith: '--site or --segment'})
    this.out(
      this.ui.table(
        [
          {name: 'id'},
          {name: 'site'},
          {name: 'segment'},
          {name: 'name'},
          {name: 'email', drop: 2},
          {name: 'refs', drop: 1},
        ],
        customers.map((c) => [
          c.id,
          c.site,
          c.segment,
          c.name,
          c.email,
          Object.entries(c.refs)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        ]),
      ),
    )
    if (page.hint) this.ctx.note(this.ui.wrap(page.hint))
    return {customers, ...page}
  }
}
