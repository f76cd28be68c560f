import type {EmulatorFactory} from '../../sandbox/emulator.js'
import {createPaypalEmulator as createEmulator} from './emulator.js'

export {paypalAdapter} from './adapter.js'
export const createPaypalEmulator: EmulatorFactory = createEmulator
