import {ALNUM, type SandboxIds} from '../ids.js'

export const ids: SandboxIds = {
  customer: ({rng}) => `cus_${rng.string(14, ALNUM)}`,
  paymentMethod: ({rng}) => `pm_${rng.string(24, ALNUM)}`,
}
