import {Flags} from '@oclif/core'

import {GATEWAY_KINDS} from '../gateways/registry.js'
import {UsageError} from '../core/errors.js'
import {DEFAULT_MAX_RETRIES, DEFAULT_RETRY_SCHEDULE} from '../core/retry/schedule.js'

/** Flags shared by `providers add` and `providers update`. */
export const connectionFlags = {
  'base-url': Flags.string({
    description: 'Gateway base URL (default: the real gateway; point at `sandbox serve` to rehearse)',
  }),
  site: Flags.string({description: 'Site this connection serves (repeatable)', multiple: true}),
  setting: Flags.string({
    description: 'Non-secret setting k=v (repeatable), e.g. merchant_account=AcmeEU',
    multiple: true,
  }),
  fallback: Flags.string({
    description:
      'Provider that takes a retry when this one cannot (down, its breaker open), if it has a write grant for the customer and their payment method',
  }),
  'retry-schedule': Flags.string({
    description: `Delays before each retry of a failed payment, the first after the failure, e.g. 5m,30m,2h,1d (default ${DEFAULT_RETRY_SCHEDULE}; the last delay repeats)`,
  }),
  'max-retries': Flags.integer({
    description: `Retries per failed payment (default ${DEFAULT_MAX_RETRIES}; 0: none)`,
    min: 0,
    max: 50,
  }),
}

export const kindFlag = Flags.string({description: 'Gateway kind', options: [...GATEWAY_KINDS]})

export const secretsFromStdinFlag = Flags.boolean({
  description: 'Read secrets as field=value lines from stdin (never from flags)',
})

/** `--setting a=b --setting c=d` -> {a: 'b', c: 'd'}; the error names the flag value that is malformed. */
export function parseSettings(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const value of values ?? []) {
    const eq = value.indexOf('=')
    if (eq <= 0)
      throw new UsageError(
        `--setting ${JSON.stringify(value)}: expected key=value`,
        'Example: --setting merchant_account=AcmeEU',
      )
    out[value.slice(0, eq).trim()] = value.slice(eq + 1).trim()
  }
  return out
}
