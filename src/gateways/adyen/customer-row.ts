import {Refusal, type TxnFields} from '../translate-kit.js'
import type {CustomerJournal} from './journal-types.js'
import {paymentParties} from './reference.js'
import type {ReportColumns} from './report-columns.js'
import {cell, feeOf, grossAmount, netAmount, type Row, type RowSource, rowTime} from './report-row.js'

/**
 * A settlement details report row that is a customer's transaction (journal-types.ts): a settled payment, a refund
 * or a chargeback, identified so that it meets the webhooks about the same object (docs/gateways.md#adyen-statuses):
 * a payment by its Psp Reference, a refund or a dispute by its own Modification Reference with the payment as parent.
 */
const METADATA_COLUMNS = [
  ['merchantReference', 'Merchant Reference'],
  ['modificationReference', 'Modification Reference'],
  ['paymentMethod', 'Payment Method'],
  ['paymentMethodVariant', 'Payment Method Variant'],
  ['batchNumber', 'Batch Number'],
  ['bookingDate', 'Booking Date'],
] as const

export function customerRowFields(
  row: Row,
  journal: CustomerJournal,
  columns: ReportColumns,
  source: RowSource,
): TxnFields {
  const recordType = cell(row, 'Type')
  const gross = grossAmount(row)
  if (!gross) throw new Refusal('invalid_payload', `${recordType} row has no gross amount`)
  if (gross.side !== journal.side)
    throw new Refusal('invalid_payload', `${recordType} row is a ${gross.side}; expected a ${journal.side}`)
  const occurredAt = rowTime(row)
  const metadata: Record<string, string> = {recordType, reportFile: source.file, direction: gross.side}
  for (const [key, column] of METADATA_COLUMNS) {
    const value = cell(row, column)
    if (value !== '') metadata[key] = value
  }
  return {
    ...identity(row, journal, recordType, columns),
    type: journal.type,
    status: journal.status,
    amount: gross.money,
    fee: feeOf(row),
    net: netAmount(row)?.money ?? null,
    occurredAt,
    metadata,
  }
}

type Identity = Pick<TxnFields, 'externalId' | 'parentExternalId' | 'customerRef' | 'invoiceRef'>

function identity(row: Row, journal: CustomerJournal, recordType: string, columns: ReportColumns): Identity {
  const psp = cell(row, 'Psp Reference')
  if (journal.type === 'payment') {
    // A Settled row's Modification Reference is the capture, not the payment.
    if (!psp) throw new Refusal('invalid_payload', `${recordType} row without Psp Reference`)
    const parties = paymentParties(cell(row, columns.customer) || null, cell(row, 'Merchant Reference') || null)
    const invoiceRef = parties.ownReference
      ? parties.invoiceRef
      : (columns.invoice && cell(row, columns.invoice)) || null
    return {externalId: psp, parentExternalId: null, customerRef: parties.customerRef, invoiceRef}
  }
  const modification = cell(row, 'Modification Reference')
  if (!modification) throw new Refusal('invalid_payload', `${recordType} row without Modification Reference`)
  if (!psp) throw new Refusal('invalid_payload', `${recordType} row without Psp Reference (the payment)`)
  // The customer of a refund or a dispute is its payment's (the core inherits it through the parent).
  return {externalId: modification, parentExternalId: psp, customerRef: null, invoiceRef: null}
}
