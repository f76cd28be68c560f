import type {GatewayKind} from '../core/gateway-kind.js'
import type {EmulatorFactory} from '../sandbox/emulator.js'
import type {GatewayAdapter} from './types.js'

/**
 * kind -> adapter and emulator, one line per gateway. Imports are lazy so that a command touching one gateway
 * never loads the other four (start-up time).
 */
const adapters: Record<GatewayKind, () => Promise<GatewayAdapter>> = {
  stripe: async () => (await import('./stripe/adapter.js')).stripeAdapter,
  square: async () => (await import('./square/adapter.js')).squareAdapter,
  adyen: async () => (await import('./adyen/adapter.js')).adyenAdapter,
  braintree: async () => (await import('./braintree/adapter.js')).braintreeAdapter,
  paypal: async () => (await import('./paypal/adapter.js')).paypalAdapter,
}

const emulators: Record<GatewayKind, () => Promise<EmulatorFactory>> = {
  stripe: async () => (await import('./stripe/index.js')).createStripeEmulator,
  square: async () => (await import('./square/index.js')).createSquareEmulator,
  adyen: async () => (await import('./adyen/index.js')).createAdyenEmulator,
  braintree: async () => (await import('./braintree/index.js')).createBraintreeEmulator,
  paypal: async () => (await import('./paypal/index.js')).createPaypalEmulator,
}

export function availableKinds(): GatewayKind[] {
  return Object.keys(adapters) as GatewayKind[]
}

export function availableEmulators(): GatewayKind[] {
  return Object.keys(emulators) as GatewayKind[]
}

export async function loadAdapter(kind: GatewayKind): Promise<GatewayAdapter> {
  return adapters[kind]()
}

export async function loadEmulator(kind: GatewayKind): Promise<EmulatorFactory> {
  return emulators[kind]()
}
