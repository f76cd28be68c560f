import type {GatewayKind} from '../gateways/registry.js'
import {ids as adyen} from './adyen/ids.js'
import {ids as braintree} from './braintree/ids.js'
import type {EmulatorFactory} from './emulator.js'
import type {SandboxIds} from './ids.js'
import {ids as paypal} from './paypal/ids.js'
import {ids as square} from './square/ids.js'
import {ids as stripe} from './stripe/ids.js'

interface Entry {
  ids: SandboxIds
  /** Lazy: `sandbox serve --gateways stripe` loads one emulator. */
  load(): Promise<EmulatorFactory>
}

/** kind -> the gateway's emulator, one line per gateway; every production gateway has one. */
const EMULATORS: Readonly<Record<GatewayKind, Entry>> = {
  stripe: {ids: stripe, load: async () => (await import('./stripe/emulator.js')).createStripeEmulator},
  adyen: {ids: adyen, load: async () => (await import('./adyen/emulator.js')).createAdyenEmulator},
  paypal: {ids: paypal, load: async () => (await import('./paypal/emulator.js')).createPaypalEmulator},
  square: {ids: square, load: async () => (await import('./square/emulator.js')).createSquareEmulator},
  braintree: {ids: braintree, load: async () => (await import('./braintree/emulator.js')).createBraintreeEmulator},
}

export function sandboxIds(kind: GatewayKind): SandboxIds {
  return EMULATORS[kind].ids
}

export function loadEmulator(kind: GatewayKind): Promise<EmulatorFactory> {
  return EMULATORS[kind].load()
}
