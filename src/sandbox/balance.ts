import type {Money} from '../core/transaction.js'

/**
 * The merchant's balance at a processor, per currency, as an emulator holds it (ISO minor units): `net` is the sum
 * of the net amounts of everything booked (payments less their fees, refunds less any fee returned, withdrawn
 * disputes and their fees, merchant-level fees, payouts and adjustments); `fees` is what the processor charged
 * less what it gave back. A ledger synced from the emulator must hold the same in `clearing:<provider>` and
 * `fees:<provider>` (test/services/sync/processor-balance.test.ts).
 */
export interface ProcessorBalance {
  currency: string
  net: number
  fees: number
}

/** Adds up bookings per currency; amounts are integers, so the sums are exact. */
export class BalanceSheet {
  private readonly byCurrency = new Map<string, ProcessorBalance>()

  /** A booking: `net` is its effect on the balance (signed), `fee` the fee charged with it (negative: returned). */
  book(net: Money, fee: Money | null = null): void {
    const entry = this.entry(net.currency)
    entry.net += net.minor
    if (fee === null) return
    if (fee.currency !== net.currency) throw new Error(`a fee in ${fee.currency} booked with ${net.currency}`)
    entry.fees += fee.minor
  }

  balances(): ProcessorBalance[] {
    return [...this.byCurrency.values()].map((b) => ({...b})).sort((a, b) => (a.currency < b.currency ? -1 : 1))
  }

  private entry(currency: string): ProcessorBalance {
    let entry = this.byCurrency.get(currency)
    if (!entry) {
      entry = {currency, net: 0, fees: 0}
      this.byCurrency.set(currency, entry)
    }
    return entry
  }
}
