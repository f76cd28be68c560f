import type {EmulatorFactory} from '../../sandbox/emulator.js'
import {createAdyenEmulator as createEmulator} from './emulator.js'

export {adyenAdapter} from './adapter.js'
export const createAdyenEmulator: EmulatorFactory = createEmulator
