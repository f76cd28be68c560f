import type {EmulatorFactory} from '../../sandbox/emulator.js'
import {createBraintreeEmulator as createEmulator} from './emulator.js'

export {braintreeAdapter} from './adapter.js'
export const createBraintreeEmulator: EmulatorFactory = createEmulator
