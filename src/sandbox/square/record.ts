import type {ScenarioPayment} from '../model.js'

/** A decline as Square reports it in a payment's `errors[]`. */
export interface DeclineInfo {
  code: string
  category: string
  detail: string
}

/** Everything the emulator knows about a payment beyond the scenario's neutral facts. */
export interface PaymentRecord {
  p: ScenarioPayment
  id: string
  refundIds: Map<string, string> // refund key -> Square refund id
  disputeId: string | null
  customerId: string | undefined
  locationId: string
  referenceId: string | undefined
  note: string | undefined
  sourceType: 'CARD' | 'BANK_ACCOUNT'
  decline: DeclineInfo | null
  /** The card's brand (VISA, MASTERCARD, …) when a charge rule set it; otherwise derived from the seed. */
  brand?: string
}
