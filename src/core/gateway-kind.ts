export const GATEWAY_KINDS = ['stripe', 'adyen', 'paypal', 'square', 'braintree'] as const
export type GatewayKind = (typeof GATEWAY_KINDS)[number]

export function isGatewayKind(value: string): value is GatewayKind {
  return (GATEWAY_KINDS as readonly string[]).includes(value)
}
