export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** One HTTP attempt against a gateway, as the call log keeps it for uptime and error metrics. */
export interface GatewayCall {
  provider: string
  endpoint: string
  method: HttpMethod
  status: number | null
  durationMs: number
  outcome: 'ok' | 'http_error' | 'rate_limited' | 'timeout' | 'network_error' | 'circuit_open'
  attempt: number
  at: number // epoch ms
}
