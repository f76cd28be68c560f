import {UsageError} from '../core/errors.js'
import {dual} from '../store/ops/dual.js'
import type {Ops} from '../store/ops/op.js'
import {getCustomer} from '../store/repos/customers.js'
import {getProvider} from '../store/repos/providers.js'
import {getSite} from '../store/repos/sites.js'

const KNOWN = {
  provider: {exists: (id: string) => getProvider.ops(id), lists: 'yms-pay providers list'},
  site: {exists: (id: string) => getSite.ops(id), lists: 'yms-pay sites list'},
  customer: {exists: (id: string) => getCustomer.ops(id), lists: 'yms-pay customers list'},
} satisfies Record<string, {exists: (id: string) => Ops<unknown>; lists: string}>

export type FilterNames = Partial<Record<keyof typeof KNOWN, string>>

/**
 * A filter that matched nothing and names a provider, site or customer that is not configured is a typo, not an
 * empty answer: a usage error naming it (the rule `metrics --provider` follows). A name with history, such as a
 * removed provider's audit rows, still filters, since it matched something.
 */
export const refuseUnknownFilterNames = dual(function* refuseUnknownFilterNames(
  matched: number,
  names: FilterNames,
): Ops<void> {
  if (matched > 0) return
  for (const kind of Object.keys(KNOWN) as Array<keyof typeof KNOWN>) {
    const value = names[kind]
    if (value !== undefined && (yield* KNOWN[kind].exists(value)) === null)
      throw new UsageError(`--${kind} ${value}: unknown ${kind}`, `List them with \`${KNOWN[kind].lists}\`.`)
  }
})
