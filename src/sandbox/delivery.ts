import type {ChargeStep} from './charge-rules.js'
import type {EmulatorResponse} from './emulator.js'

/**
 * The answer a processed charge gets on the wire, as its scripted step says (charge-rules.ts, Delivery). The caller
 * has already kept `answer` for idempotent replays; `serverError` is the gateway's own 500.
 */
export function delivered(
  step: ChargeStep | undefined,
  answer: EmulatorResponse,
  serverError: () => EmulatorResponse,
): EmulatorResponse {
  switch (step?.delivery ?? 'answer') {
    case 'answer':
      return answer
    case 'timeout':
      return {...answer, lost: 'timeout'}
    case 'reset':
      return {...answer, lost: 'reset'}
    case '500':
      return serverError()
  }
}
