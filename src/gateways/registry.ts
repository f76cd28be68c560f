import {facts as adyen} from './adyen/facts.js'
import {facts as braintree} from './braintree/facts.js'
import {facts as paypal} from './paypal/facts.js'
import {facts as square} from './square/facts.js'
import {facts as stripe} from './stripe/facts.js'
import type {GatewayAdapter, GatewayFacts} from './types.js'

interface Entry {
  facts: GatewayFacts
  /** Lazy, so that a command touching one gateway never loads the others (start-up time). */
  load(): Promise<GatewayAdapter>
}

/** kind -> facts and adapter, one line per gateway, in the order people see them listed. */
const GATEWAYS = {
  stripe: {facts: stripe, load: async () => (await import('./stripe/client.js')).adapter},
  adyen: {facts: adyen, load: async () => (await import('./adyen/client.js')).adapter},
  paypal: {facts: paypal, load: async () => (await import('./paypal/client.js')).adapter},
  square: {facts: square, load: async () => (await import('./square/client.js')).adapter},
  braintree: {facts: braintree, load: async () => (await import('./braintree/client.js')).adapter},
} as const satisfies Record<string, Entry>

export type GatewayKind = keyof typeof GATEWAYS

export const GATEWAY_KINDS = Object.keys(GATEWAYS) as readonly GatewayKind[]

export function isGatewayKind(value: string): value is GatewayKind {
  return Object.hasOwn(GATEWAYS, value)
}

export function gatewayFacts(kind: GatewayKind): GatewayFacts {
  return GATEWAYS[kind].facts
}

export function loadAdapter(kind: GatewayKind): Promise<GatewayAdapter> {
  return GATEWAYS[kind].load()
}
