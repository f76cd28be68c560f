import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {listCustomers, type CustomerView} from '../../services/customers.js'

export default class CustomersList extends BaseCommand<typeof CustomersList> {
  static override summary = 'List customers'
  static override flags = {
    site: Flags.string({description: 'Only this site'}),
    segment: Flags.string({description: 'Only this segment'}),
    limit: Flags.integer({description: 'At most this many', default: 1000, min: 1}),
  }

  async run(): Promise<{customers: CustomerView[]}> {
    const customers = listCustomers(await this.db(), {
      site: this.flags.site,
      segment: this.flags.segment,
      limit: this.flags.limit,
    })
    this.out(
      this.ui.table(
        ['id', 'site', 'segment', 'name', 'email', 'refs'],
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
    return {customers}
  }
}
