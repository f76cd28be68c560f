import {LOWER_ALNUM, type SandboxIds} from '../ids.js'

export const ids: SandboxIds = {
  // Braintree's generated customer ids are numeric; the index keeps them unique without a look-up.
  customer: ({rng, index}) => String(100_000_000 + index * 89 + rng.int(0, 88)),
  // A payment method token.
  paymentMethod: ({rng, unique}) => unique(() => rng.string(8, LOWER_ALNUM)),
}
