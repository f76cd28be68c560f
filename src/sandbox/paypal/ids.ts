import {LOWER_ALNUM, type SandboxIds, UPPER_ALNUM} from '../ids.js'

export const ids: SandboxIds = {
  // A payer id.
  customer: ({rng}) => rng.string(13, UPPER_ALNUM),
  // A vault id.
  paymentMethod: ({rng, unique}) => unique(() => rng.string(8, LOWER_ALNUM)),
}
