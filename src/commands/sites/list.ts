import {BaseCommand} from '../../cli/base-command.js'
import {listSites, type SiteView} from '../../services/sites.js'

export default class SitesList extends BaseCommand<typeof SitesList> {
  static override summary = 'List sites'

  async run(): Promise<{sites: SiteView[]}> {
    const sites = await this.read(listSites.ops())
    this.out(
      sites.length === 0
        ? 'no sites yet: add one with `yms-pay sites add` or `yms-pay sites import`'
        : this.ui.table(
            ['id', 'name', 'currency', 'country', 'timezone'],
            sites.map((s) => [s.id, s.name, s.currency, s.country, s.timezone]),
          ),
    )
    return {sites}
  }
}
