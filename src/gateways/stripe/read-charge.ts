import type {FetchedTxn, Quarantined} from '../../core/transaction.js'
import {collect} from '../translate-kit.js'
import type {FetchedObjects, ObjectRef} from '../types.js'
import {StripeApiError} from './api-error.js'
import type {StripeApi} from './api.js'
import {translateCharge} from './translate.js'

/**
 * Reads one charge with its balance transaction expanded, to learn what an event could not say (the fee: an event
 * carries `balance_transaction` as a bare id). `seenAt` (unix seconds) dates the state: the event that named it.
 * A charge that cannot be read back (404) is quarantined with what is known, never dropped.
 */
export async function readCharge(
  api: StripeApi,
  provider: string,
  id: string,
  seenAt: number,
  signal?: AbortSignal,
): Promise<{items: FetchedTxn[]; invalid: Quarantined[]}> {
  const items: FetchedTxn[] = []
  const invalid: Quarantined[] = []
  try {
    const raw = await api.get(
      `/v1/charges/${encodeURIComponent(id)}`,
      {'expand[]': ['balance_transaction']},
      'GET /v1/charges/:id',
      signal,
    )
    collect(translateCharge(raw, {provider, seenAt}), {items, invalid})
  } catch (error) {
    if (!(error instanceof StripeApiError && error.status === 404)) throw error
    const detail = `charge ${id} named by an event could not be read back (HTTP 404); its fee is unknown`
    invalid.push({externalId: id, reason: 'invalid_payload', detail, raw: {id, error: error.message}})
  }
  return {items, invalid}
}

/** What a webhook names (docs/gateways.md#stripe-webhooks): charges only; anything else is not Stripe's to name. */
export async function fetchStripeObject(
  api: StripeApi,
  provider: string,
  ref: ObjectRef,
  signal?: AbortSignal,
): Promise<FetchedObjects> {
  if (ref.object !== 'charge') throw new Error(`stripe: cannot fetch a ${ref.object} named by a webhook`)
  const seenAt = ref.at ? Math.floor(Date.parse(ref.at) / 1000) : 0
  return readCharge(api, provider, ref.id, seenAt, signal)
}
