import {DIGITS, type SandboxIds} from '../ids.js'

export const ids: SandboxIds = {
  // The merchant chooses the shopperReference.
  customer: ({customerId}) => `shopper-${customerId}`,
  // A stored payment method id.
  paymentMethod: ({rng}) => rng.string(16, DIGITS),
}
