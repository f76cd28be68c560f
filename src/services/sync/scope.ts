import type {Grant} from '../../core/access.js'
import type {Owner} from '../../store/repos/customers.js'

/** What one provider's apply needs to know; built once per sync run (grants and ref look-ups cached). */
export interface ApplyScope {
  provider: string
  kind: string
  actor: string
  source: 'pull' | 'webhook' | 'replay' | 'retry'
  grants: readonly Grant[]
  /** Events at or after this time are "new" and get a latency sample; null: none (a first backfill). */
  latencySince: string | null
  customers: Map<string, Owner | null>
}
