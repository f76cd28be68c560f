import {ALNUM, UPPER_ALNUM} from '../ids.js'
import {derive} from './derive.js'

/** Square's ids for the scenario's objects, in Square's shapes (a refund id starts with its payment's id). */
export const squareIds = {
  payment: (seed: number, key: string) => derive(29, ALNUM, seed, 'payment', key),
  refund: (seed: number, paymentId: string, key: string) => `${paymentId}_${derive(20, ALNUM, seed, 'refund', key)}`,
  dispute: (seed: number, key: string) => derive(22, ALNUM, seed, 'dispute', key),
  location: (seed: number, site: string) => `L${derive(12, UPPER_ALNUM, seed, 'location', site)}`,
  merchant: (seed: number) => derive(13, UPPER_ALNUM, seed, 'merchant'),
}
