import {scrubSecrets, scrubSecretsIn} from '../../secrets/index.js'
import type {PageCommit} from './commit-page.js'

/**
 * A page as it goes to the writer, with every secret this process has read taken out of its text: a gateway that
 * echoes credentials into a payload, an error detail or a cursor gets nothing stored. Done here, on the thread that
 * read the secrets, since the writer's thread knows none of them. Costs a few substring searches per item.
 */
export function scrubPage(page: PageCommit['page']): PageCommit['page'] {
  return {
    items: page.items.map((item) => {
      const rawJson = scrubSecrets(item.rawJson)
      const txn = scrubSecretsIn(item.txn)
      return rawJson === item.rawJson && txn === item.txn ? item : {txn, rawJson}
    }),
    invalid: page.invalid.map((bad) => scrubSecretsIn(bad)),
    skipped: page.skipped?.map((entry) => scrubSecretsIn(entry)),
    next: scrubSecretsIn(page.next),
  }
}
