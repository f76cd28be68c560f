import type {EmulatorFactory} from '../../sandbox/emulator.js'
import {createSquareEmulator as createEmulator} from './emulator.js'

export {squareAdapter} from './adapter.js'
export const createSquareEmulator = createEmulator satisfies EmulatorFactory
