import type {EmulatorFactory} from '../../sandbox/emulator.js'
import {createStripeEmulator as createEmulator} from './emulator.js'

export {stripeAdapter} from './adapter.js'
export const createStripeEmulator: EmulatorFactory = createEmulator
