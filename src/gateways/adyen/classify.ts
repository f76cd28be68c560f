import type {Decision} from '../../core/transaction.js'
import {AuthError} from '../../core/errors.js'
import {CircuitOpenError, TransportError} from '../http.js'

/**
 * Adyen's refusal codes -> retry decision (reference/DECLINES.md, Adyen table). Adyen publishes no retry flag:
 * these are the project's decisions. A code missing here is terminal (DECLINES.md rule 2).
 */
export const REFUSAL_REASONS: Readonly<Record<string, {reason: string; decision: Decision}>> = {
  '2': {reason: 'Refused', decision: 'retry'},
  '3': {reason: 'Referral', decision: 'terminal'},
  '4': {reason: 'Acquirer Error', decision: 'retry'},
  '5': {reason: 'Blocked Card', decision: 'terminal'},
  '6': {reason: 'Expired Card', decision: 'terminal'},
  '7': {reason: 'Invalid Amount', decision: 'terminal'},
  '8': {reason: 'Invalid Card Number', decision: 'terminal'},
  '9': {reason: 'Issuer Unavailable', decision: 'retry'},
  '12': {reason: 'Not enough balance', decision: 'retry'},
  '14': {reason: 'Acquirer Fraud', decision: 'terminal'},
  '20': {reason: 'FRAUD', decision: 'terminal'},
  '22': {reason: 'FRAUD-CANCELLED', decision: 'terminal'},
  '23': {reason: 'Transaction Not Permitted', decision: 'terminal'},
  '24': {reason: 'CVC Declined', decision: 'terminal'},
  '25': {reason: 'Restricted Card', decision: 'terminal'},
  '26': {reason: 'Revocation Of Auth', decision: 'terminal'},
  '27': {reason: 'Declined Non Generic', decision: 'terminal'},
  '28': {reason: 'Withdrawal amount exceeded', decision: 'retry'},
  '29': {reason: 'Withdrawal count exceeded', decision: 'retry'},
  '31': {reason: 'Issuer Suspected Fraud', decision: 'terminal'},
  '38': {reason: 'Authentication required', decision: 'terminal'},
  '46': {reason: 'Blocked by Adyen to prevent excessive retry fees', decision: 'terminal'},
}

const CODE_BY_REASON = new Map(Object.entries(REFUSAL_REASONS).map(([code, r]) => [r.reason.toLowerCase(), code]))

/** Webhooks carry the refusal text in `reason`, not the code: find the code it names (case-insensitive). */
export function refusalCodeForReason(reason: string): string | null {
  return CODE_BY_REASON.get(reason.trim().toLowerCase()) ?? null
}

/** A refusal code, a refusal text or a non-final resultCode -> decision. */
export function classifyRefusal(codeOrReason: string): Decision {
  const value = codeOrReason.trim()
  if (/^(received|pending)$/i.test(value)) return 'unknown'
  const code = REFUSAL_REASONS[value] ? value : refusalCodeForReason(value)
  return code ? REFUSAL_REASONS[code]!.decision : 'terminal'
}

/** Both error body shapes Adyen uses: classic serviceError and RFC 7807 (newer APIs). */
export interface AdyenErrorBody {
  status: number
  errorCode: string | null
  message: string
  errorType: string | null
  pspReference: string | null
}

export function parseErrorBody(httpStatus: number, text: string): AdyenErrorBody {
  let body: Record<string, unknown> = {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>
  } catch {
    // Not JSON (a proxy's HTML page): keep the status, quote a little of the text.
  }
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null)
  const status = typeof body.status === 'number' ? body.status : httpStatus
  // RFC 7807 puts the human text in `detail` (falling back to `title`); classic bodies use `message`.
  const message = str(body.message) ?? str(body.detail) ?? str(body.title) ?? (text.trim().slice(0, 200) || `HTTP ${httpStatus}`)
  return {
    status,
    errorCode: str(body.errorCode),
    message,
    errorType: str(body.errorType) ?? str(body.type),
    pspReference: str(body.pspReference),
  }
}

/** A non-2xx answer from Adyen. The message never contains credentials (Adyen does not echo them). */
export class AdyenApiError extends Error {
  readonly httpStatus: number
  readonly body: AdyenErrorBody
  constructor(endpoint: string, httpStatus: number, body: AdyenErrorBody) {
    super(`adyen ${endpoint}: HTTP ${httpStatus}${body.errorCode ? ` ${body.errorCode}` : ''}: ${body.message}`)
    this.name = 'AdyenApiError'
    this.httpStatus = httpStatus
    this.body = body
  }
}

/**
 * Error -> what retrying a payment should do. An Adyen 5xx on a payment may have charged the card, so it is
 * unknown (resolve first, DECLINES.md); `00_500` "too many requests" is Adyen's rate limit and safe to retry.
 */
export function classifyAdyenError(e: unknown): Decision {
  if (typeof e === 'string') return classifyRefusal(e)
  if (e instanceof AuthError) return 'terminal'
  if (e instanceof CircuitOpenError) return 'retry' // nothing was sent
  if (e instanceof TransportError) return 'unknown'
  if (e instanceof AdyenApiError) {
    const {httpStatus, body} = e
    if (httpStatus === 429 || /too many requests/i.test(body.message)) return 'retry'
    if (httpStatus === 401 || httpStatus === 403) return 'terminal'
    if (httpStatus >= 400 && httpStatus < 500) return httpStatus === 408 ? 'retry' : 'terminal'
    return 'unknown'
  }
  return 'unknown'
}
