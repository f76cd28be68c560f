import {randomUUID} from 'node:crypto'

import type {EmulatorResponse} from '../emulator.js'

/**
 * PayPal's answers: JSON bodies, and errors as `{name, message, debug_id, details[], links}`
 * (docs/gateways.md#paypal-errors). The OAuth endpoints answer `{error, error_description}` instead (oauth.ts).
 */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return {status, headers: {'content-type': 'application/json', ...headers}, body: JSON.stringify(body)}
}

export interface Detail {
  field?: string
  value?: string
  location?: string
  issue: string
  description?: string
}

export function ppError(status: number, name: string, message: string, details: Detail[] = []): EmulatorResponse {
  const debugId = randomUUID().replaceAll('-', '').slice(0, 13)
  return json(status, {
    name,
    message,
    debug_id: debugId,
    ...(details.length > 0 ? {details} : {}),
    links: [
      {href: `https://developer.paypal.com/api/rest/reference/orders/v2/errors/#${name}`, rel: 'information_link'},
    ],
  })
}

export const invalidRequest = (...details: Detail[]) =>
  ppError(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', details)

export const unprocessable = (...details: Detail[]) =>
  ppError(
    422,
    'UNPROCESSABLE_ENTITY',
    'The requested action could not be performed, semantically incorrect, or failed business validation.',
    details,
  )

export const notFound = (issue = 'INVALID_RESOURCE_ID') =>
  ppError(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', [
    {issue, description: 'Specified resource ID does not exist. Please check the resource ID and try again.'},
  ])
