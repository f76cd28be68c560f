import {ALNUM, type SandboxIds, UPPER_ALNUM} from '../ids.js'

export const ids: SandboxIds = {
  customer: ({rng}) => rng.string(26, UPPER_ALNUM),
  // A card on file.
  paymentMethod: ({rng}) => `ccof:${rng.string(16, ALNUM)}`,
}
