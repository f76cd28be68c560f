import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {DEFAULT_MAX_RETRIES, DEFAULT_RETRY_SCHEDULE} from '../../core/retry/schedule.js'
import {showProvider, type ProviderView} from '../../services/providers.js'

export default class ProvidersShow extends BaseCommand<typeof ProvidersShow> {
  static override summary =
    'Show one connection: settings, sites, grants, secrets present (never their values), health, last sync'
  static override args = {id: Args.string({required: true})}

  async run(): Promise<ProviderView> {
    const p = await showProvider(await this.ledger(), this.ctx, this.args.id)
    this.out(
      this.ui.fields([
        ['id', p.id],
        ['kind', p.kind],
        ['enabled', p.enabled ? 'yes' : 'no'],
        ['base url', p.baseUrl],
        ['sites', p.sites.join(', ') || '(none)'],
        [
          'settings',
          Object.entries(p.settings)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || '(none)',
        ],
        ['grants', p.grants.map((g) => `${g.segment}@${g.site}:${g.access}`).join(', ') || 'none (default deny)'],
        ['secrets', p.secrets.map((s) => `${s.field}: ${s.source ?? `missing (set ${s.envVar})`}`).join(', ')],
        ['fallback', p.fallback ?? '-'],
        [
          'retry',
          `${p.retrySchedule ?? `${DEFAULT_RETRY_SCHEDULE} (default)`}, at most ${p.maxRetries ?? `${DEFAULT_MAX_RETRIES} (default)`}`,
        ],
        ['last sync', p.lastSync ?? 'never'],
      ]),
    )
    return p
  }
}
