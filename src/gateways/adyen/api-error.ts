/**
 * The error bodies Adyen answers with (docs/gateways.md#adyen-errors): the classic serviceError and RFC 7807
 * (newer APIs), read into one shape.
 */
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
  const str = (v: unknown): string | null =>
    typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null
  const status = typeof body.status === 'number' ? body.status : httpStatus
  // RFC 7807 puts the human text in `detail` (falling back to `title`); classic bodies use `message`.
  const message =
    str(body.message) ?? str(body.detail) ?? str(body.title) ?? (text.trim().slice(0, 200) || `HTTP ${httpStatus}`)
  return {
    status,
    errorCode: str(body.errorCode),
    message,
    errorType: str(body.errorType) ?? str(body.type),
    pspReference: str(body.pspReference),
  }
}

/**
 * A non-2xx answer from Adyen, naming the provider (the connection an admin knows) it came through. The message
 * never contains credentials (Adyen does not echo them).
 */
export class AdyenApiError extends Error {
  readonly httpStatus: number
  readonly body: AdyenErrorBody
  constructor(endpoint: string, httpStatus: number, body: AdyenErrorBody, providerId: string) {
    const code = body.errorCode ? ` ${body.errorCode}` : ''
    super(`provider ${providerId}: Adyen ${endpoint} answered HTTP ${httpStatus}${code}: ${body.message}`)
    this.name = 'AdyenApiError'
    this.httpStatus = httpStatus
    this.body = body
  }
}
