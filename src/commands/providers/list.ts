import {BaseCommand} from '../../cli/base-command.js'
import {listProviders, type ProviderView} from '../../services/providers.js'
import {ADD_PROVIDER} from '../../cli/hints.js'

export default class ProvidersList extends BaseCommand<typeof ProvidersList> {
  static override summary = 'List gateway connections, their sites, grants and which secrets are present'

  async run(): Promise<{providers: ProviderView[]}> {
    const providers = await listProviders(await this.ledger(), this.ctx)
    if (providers.length === 0) {
      this.out(`no providers yet: connect one with \`${ADD_PROVIDER}\` (or try \`yms-pay demo\`)`)
    } else {
      this.out(
        this.ui.table(
          ['id', 'kind', 'enabled', 'sites', 'grants', 'secrets', 'last sync'],
          providers.map((p) => [
            p.id,
            p.kind,
            p.enabled ? 'yes' : 'no',
            p.sites.join(' '),
            p.grants.map((g) => `${g.segment}@${g.site}:${g.access}`).join(' ') || 'none (deny)',
            p.secrets.map((s) => `${s.field}:${s.source ?? 'MISSING'}`).join(' '),
            p.lastSync ?? 'never',
          ]),
        ),
      )
    }
    return {providers}
  }
}
