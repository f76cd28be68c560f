import {z} from 'zod'

import type {AppContext} from '../../app/context.js'
import {GATEWAY_KINDS} from '../../gateways/registry.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {listProviders} from '../../store/repos/providers.js'
import {upsertPaymentMethods} from '../../store/repos/retries-methods.js'
import {auditedImportInto} from '../imports/audited-import.js'
import {LIMITS, requiredId, requiredText} from '../imports/fields.js'
import type {ImportResult} from '../imports/run-import.js'

/**
 * `retry methods import <file>`: each customer's stored payment method per gateway (a card-on-file id, a vault id,
 * a token), which is what a retry charges. Columns customer, provider, payment_method; provider is a provider id
 * or a gateway kind, as in the customers file's `ref.<…>` columns. A retry never goes to a processor where the
 * customer has none.
 */
const METHOD_COLUMNS = ['customer', 'provider', 'payment_method'] as const

function methodSchema(keys: ReadonlySet<string>) {
  return z
    .object({
      customer: requiredId,
      provider: requiredId.refine((p) => keys.has(p), 'not a provider id or gateway kind'),
      payment_method: requiredText(LIMITS.ref),
    })
    .transform((r) => ({customer: r.customer, providerKey: r.provider, methodRef: r.payment_method}))
}

export async function importPaymentMethods(ledger: LedgerHandle, ctx: AppContext, file: string): Promise<ImportResult> {
  const providers = await ledger.read(listProviders.ops())
  const keys = new Set<string>([...GATEWAY_KINDS, ...providers.map((p) => p.id)])
  return auditedImportInto(ledger, ctx, {
    file,
    action: 'retry.methods.import',
    columns: {what: 'payment methods', required: METHOD_COLUMNS, optional: []},
    schema: methodSchema(keys),
    upsert: (rows) => upsertPaymentMethods.ops(rows),
  })
}
