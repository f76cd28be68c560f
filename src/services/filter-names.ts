import {UsageError} from '../core/errors.js'
import type {Db} from '../store/db.js'
import {getCustomer} from '../store/repos/customers.js'
import {getProvider} from '../store/repos/providers.js'
import {getSite} from '../store/repos/sites.js'

const KNOWN = {
  provider: {exists: (db: Db, id: string) => getProvider(db, id) !== null, lists: 'yms-pay providers list'},
  site: {exists: (db: Db, id: string) => getSite(db, id) !== null, lists: 'yms-pay sites list'},
  customer: {exists: (db: Db, id: string) => getCustomer(db, id) !== null, lists: 'yms-pay customers list'},
}

export type FilterNames = Partial<Record<keyof typeof KNOWN, string>>

/**
 * A filter that matched nothing and names a provider, site or customer that is not configured is a typo, not an
 * empty answer: a usage error naming it (the rule `metrics --provider` follows). A name with history, such as a
 * removed provider's audit rows, still filters, since it matched something.
 */
export function refuseUnknownFilterNames(db: Db, matched: number, names: FilterNames): void {
  if (matched > 0) return
  for (const kind of Object.keys(KNOWN) as Array<keyof typeof KNOWN>) {
    const value = names[kind]
    if (value !== undefined && !KNOWN[kind].exists(db, value))
      throw new UsageError(`--${kind} ${value}: unknown ${kind}`, `List them with \`${KNOWN[kind].lists}\`.`)
  }
}
