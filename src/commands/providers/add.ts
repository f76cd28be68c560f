import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {connectionFlags, kindFlag, parseSettings, secretsFromStdinFlag} from '../../cli/provider-flags.js'
import {UsageError} from '../../core/errors.js'
import {GATEWAY_KINDS, gatewayFacts, isGatewayKind} from '../../gateways/registry.js'
import {addProvider, type ProviderView, wizardSource} from '../../services/providers.js'

const example = gatewayFacts(GATEWAY_KINDS[0]!)
const secretLines = example.secretFields.map((f) => `${f}=%s\\n`).join('')
const secretVars = example.secretFields.map((f) => `"$${f.toUpperCase()}"`).join(' ')

export default class ProvidersAdd extends BaseCommand<typeof ProvidersAdd> {
  static override summary =
    'Connect a payment processor in one step: settings to the ledger, secrets to the OS keychain'
  static override description =
    "On a terminal, missing flags are asked for (secrets masked). Without a terminal (cron, CI) pass everything as flags and the secrets as field=value lines on stdin with --secrets-from-stdin, or provide them as YMS_PAY_SECRET_<PROVIDER>_<FIELD> environment variables. Grants default to deny: --segment grants write access to a customer segment on the provider's sites."
  static override examples = [
    `<%= config.bin %> providers add acme-${example.kind} --kind ${example.kind} --site berlin --segment retail`,
    `printf "${secretLines}" ${secretVars} | <%= config.bin %> providers add acme-${example.kind} --kind ${example.kind} --site berlin --segment "*" --secrets-from-stdin`,
  ]
  static override args = {
    id: Args.string({required: true, description: 'A name for this connection (letters, digits, . _ -)'}),
  }
  static override flags = {
    kind: kindFlag,
    ...connectionFlags,
    segment: Flags.string({
      description: 'Grant write access to this customer segment (repeatable; * for all)',
      multiple: true,
    }),
    'secrets-from-stdin': secretsFromStdinFlag,
  }

  async run(): Promise<ProviderView> {
    let kind = this.flags.kind
    let sites = this.flags.site
    let segments = this.flags.segment
    let secrets: Record<string, string> | undefined
    const ledger = await this.ledger()

    if (!kind && !this.ctx.terminal.interactive) {
      this.requireInteractive([
        `--kind <${GATEWAY_KINDS.join('|')}>`,
        '[--site S]...',
        '[--segment SEG]...',
        '[--setting k=v]...',
        '[--secrets-from-stdin]',
      ])
    }
    if (this.ctx.terminal.interactive && !this.flags['secrets-from-stdin']) {
      const wizard = await import('../../cli/provider-wizard.js')
      const given = {
        kind: kind && isGatewayKind(kind) ? kind : undefined,
        sites,
        segments,
        settings: parseSettings(this.flags.setting),
      }
      const answers = await wizard.askMissing(await ledger.read(wizardSource.ops(this.ctx, this.args.id)), given)
      kind = answers.kind
      sites = answers.sites
      segments = answers.segments
      secrets = answers.secrets
      this.flags.setting = Object.entries(answers.settings).map(([k, v]) => `${k}=${v}`)
    }
    if (!kind || !isGatewayKind(kind)) throw new UsageError('--kind is required', `One of: ${GATEWAY_KINDS.join(', ')}`)
    const fields = gatewayFacts(kind).secretFields
    const fromStdin = async () => (await import('../../secrets/index.js')).readSecretsFromStdin(process.stdin, fields)
    const provider = await addProvider(ledger, this.ctx, {
      id: this.args.id,
      kind,
      baseUrl: this.flags['base-url'] ?? null,
      sites: sites ?? [],
      settings: parseSettings(this.flags.setting),
      segments: segments ?? [],
      fallback: this.flags.fallback ?? null,
      retrySchedule: this.flags['retry-schedule'] ?? null,
      maxRetries: this.flags['max-retries'] ?? null,
      secrets: this.flags['secrets-from-stdin'] ? fromStdin : (secrets ?? {}),
    })
    this.out(`provider ${provider.id} (${provider.kind}) added`)
    return provider
  }
}
