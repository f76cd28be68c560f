import type {EmulatorResponse} from '../emulator.js'

/** Square's answers: JSON bodies, and failures as `{"errors": [...]}` (docs/gateways.md#square-errors). */
export interface SquareErrorBody {
  category: string
  code: string
  detail: string
  field?: string
}

export function json(status: number, body: unknown): EmulatorResponse {
  return {status, headers: {'content-type': 'application/json'}, body: JSON.stringify(body)}
}

export function errors(status: number, ...errs: SquareErrorBody[]): EmulatorResponse {
  return json(status, {errors: errs})
}

export function invalid(code: string, detail: string, field?: string): EmulatorResponse {
  return errors(400, {category: 'INVALID_REQUEST_ERROR', code, detail, ...(field ? {field} : {})})
}

export function notFound(detail: string): EmulatorResponse {
  return errors(404, {category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail})
}

/** Thrown by a parameter reader deep in a route; the emulator answers with its response. */
export class BadRequest extends Error {
  constructor(readonly response: EmulatorResponse) {
    super('bad request')
  }
}
