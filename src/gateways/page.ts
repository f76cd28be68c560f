import type {FetchedTxn, Quarantined} from '../core/transaction.js'
import type {Page} from './types.js'
import type {Cursor} from '../core/cursor.js'

/**
 * A page whose objects are validated and translated on the first read of `items` or `invalid`. The sync reads
 * `next` and `hasMore` first and sends the next request, so translation runs while that request is in flight rather
 * than in front of it: with cursor paging every request waits for the previous page's cursor.
 */
export function deferredPage(next: Cursor, hasMore: boolean, translate: () => Pick<Page, 'items' | 'invalid'>): Page {
  let translated: Pick<Page, 'items' | 'invalid'> | null = null
  const get = () => (translated ??= translate())
  return {
    next,
    hasMore,
    get items(): FetchedTxn[] {
      return get().items
    },
    get invalid(): Quarantined[] {
      return get().invalid
    },
  }
}
