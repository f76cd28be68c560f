import {createHash} from 'node:crypto'

import {LOWER_ALNUM, type SandboxIds, UPPER_ALNUM} from '../ids.js'
import {disputeChannel} from './dispute-channel.js'

export const ids: SandboxIds = {
  // A payer id.
  customer: ({rng}) => rng.string(13, UPPER_ALNUM),
  // A vault id.
  paymentMethod: ({rng, unique}) => unique(() => rng.string(8, LOWER_ALNUM)),
}

/** A deterministic string for `label` under the scenario's seed: the same world always shows the same ids. */
export function derive(seed: number, label: string, length: number, alphabet = UPPER_ALNUM): string {
  const out: string[] = []
  for (let round = 0; out.length < length; round++) {
    const digest = createHash('sha256').update(`${seed}:${label}:${round}`).digest()
    for (const byte of digest) if (out.length < length) out.push(alphabet[byte % alphabet.length]!)
  }
  return out.join('')
}

/** The rows a dispute adds to the transaction search, by what they are (search-rows.ts). */
export type DisputeLeg =
  'chargeback' | 'chargeback_reversal' | 'chargeback_fee' | 'claim_hold' | 'claim_release' | 'claim_reversal'

/** PayPal transaction ids are 17 upper-case alphanumerics; dispute ids look like PP-D-12345678. */
export function paypalIds(seed: number) {
  return {
    payment: (key: string) => derive(seed, `payment:${key}`, 17),
    refund: (key: string) => derive(seed, `refund:${key}`, 17),
    dispute: (key: string) => `PP-D-${derive(seed, `dispute:${key}`, 8, '0123456789')}`,
    /** A row of a dispute's movements in the transaction search (search-rows.ts). */
    disputeRow: (key: string, leg: DisputeLeg) => derive(seed, `chargeback:${leg}:${key}`, 17),
    /** A withdrawal to the merchant's bank (payouts.ts). */
    payout: (currency: string, week: number) => derive(seed, `payout:${currency}:${week}`, 17),
    channel: (disputeKey: string) => disputeChannel(seed, disputeKey),
    order: (key: string) => derive(seed, `order:${key}`, 17),
    event: (label: string) => `WH-${derive(seed, `event:${label}`, 17)}-${derive(seed, `event2:${label}`, 17)}`,
  }
}
export type PaypalIds = ReturnType<typeof paypalIds>
