import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {LIMITS} from '../../services/imports/fields.js'
import {addSite, type SiteView} from '../../services/sites.js'

export default class SitesAdd extends BaseCommand<typeof SitesAdd> {
  static override summary = 'Add or update a site (a location with its base currency)'
  static override examples = [
    '<%= config.bin %> sites add berlin --name "Berlin Mitte" --currency EUR --country DE --timezone Europe/Berlin',
  ]
  static override args = {
    id: Args.string({required: true, description: `Site id used by the YMS (at most ${LIMITS.id} characters)`}),
  }
  static override flags = {
    name: Flags.string({required: true, description: `Display name (at most ${LIMITS.name} characters)`}),
    currency: Flags.string({
      required: true,
      description: 'Base currency (ISO 4217); it cannot change once money is booked at the site',
    }),
    country: Flags.string({description: 'ISO 3166 country code'}),
    timezone: Flags.string({description: 'IANA time zone, e.g. Europe/Berlin'}),
  }

  async run(): Promise<SiteView> {
    const site = await this.write(
      addSite.ops(this.ctx, {
        id: this.args.id,
        name: this.flags.name,
        currency: this.flags.currency,
        country: this.flags.country ?? null,
        timezone: this.flags.timezone ?? null,
      }),
    )
    this.out(`site ${site.id} (${site.currency}) saved`)
    return site
  }
}
