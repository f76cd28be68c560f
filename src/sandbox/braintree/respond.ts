import type {EmulatorResponse} from '../emulator.js'
import {el, wrap, XML_DECLARATION} from './xml-writer.js'

/** How the emulated gateway answers: an XML document, a 422 `<api-error-response>`, or a bare status. */
export function xmlResponse(status: number, body: string): EmulatorResponse {
  return {status, headers: {'content-type': 'application/xml; charset=utf-8'}, body: XML_DECLARATION + body}
}

export interface ValidationError {
  code: string
  attribute: string
  message: string
}

/** Braintree's validation failure: errors nested under the object they are about; `extra` is e.g. the declined transaction. */
export function apiErrorResponse(message: string, errors: readonly ValidationError[], extra = ''): EmulatorResponse {
  const list = errors
    .map((e) =>
      wrap('error', el('code', e.code) + el('attribute', e.attribute, {type: 'symbol'}) + el('message', e.message)),
    )
    .join('')
  const body = wrap(
    'errors',
    wrap('errors', '', {type: 'array'}) + (list ? wrap('transaction', wrap('errors', list, {type: 'array'})) : ''),
  )
  return xmlResponse(422, wrap('api-error-response', body + el('message', message) + wrap('params', '') + extra))
}

/** A status with an empty body, as Braintree sends for 401, 404 and 426. */
export function bareResponse(status: number): EmulatorResponse {
  return {status, headers: {'content-type': 'text/plain'}, body: ''}
}
