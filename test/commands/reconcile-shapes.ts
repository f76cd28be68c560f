import {z} from 'zod'

import {MATCH_RULES, RECONCILE_CLASSES} from '../../src/core/reconcile/classes.js'
import {Iso, Money} from './shapes.js'

/** `reconcile --json` (docs CLI.md: runId, site, from, to, counts, exceptions [{id, class, invoice?, ...}]) and more. */
const perClass = <T extends z.ZodType>(value: T) =>
  z.strictObject(
    Object.fromEntries(RECONCILE_CLASSES.map((c) => [c, value])) as Record<(typeof RECONCILE_CLASSES)[number], T>,
  )

export const ReconcileException = z.strictObject({
  id: z.string().regex(/^rx_[0-9a-f]{16}$/),
  class: z.enum(RECONCILE_CLASSES),
  invoice: z.string().optional(),
  invoices: z.array(z.string()),
  transactions: z.array(z.string()),
  expected: Money.nullable(),
  actual: Money.nullable(),
  note: z.string().min(20),
  status: z.enum(['open', 'resolved']),
  resolution: z.strictObject({by: z.string(), note: z.string()}).nullable(),
})

const IdentityLine = z.strictObject({
  currency: z.string(),
  invoices: Money,
  payments: Money,
  refunds: Money,
  disputes: Money,
  expected: Money,
  ledger: Money,
  difference: Money,
})

const summary = {
  at: Iso,
  site: z.string(),
  currency: z.string(),
  from: Iso.nullable(),
  to: Iso.nullable(),
  providers: z.array(z.string()),
  tolerance: z.string(),
  windowDays: z.number().int(),
  counts: perClass(z.number().int().nonnegative()),
  items: z.strictObject({invoices: perClass(z.number().int()), payments: perClass(z.number().int())}),
  amounts: perClass(z.strictObject({invoiced: z.array(Money), paid: z.array(Money)})),
  byProvider: z.array(
    z.strictObject({
      provider: z.string(),
      classes: z.array(
        z.strictObject({class: z.enum(RECONCILE_CLASSES), payments: z.number().int(), paid: z.array(Money)}),
      ),
    }),
  ),
  rules: z.strictObject({
    ...Object.fromEntries(MATCH_RULES.map((r) => [r, z.number().int()])),
    converted: z.number().int(),
  }),
  matches: z.array(
    z.strictObject({
      rule: z.enum(MATCH_RULES),
      invoices: z.array(z.string()),
      transactions: z.array(z.string()),
      why: z.string(),
      fx: z.strictObject({amount: Money, rate: z.string(), rateDate: z.string(), path: z.array(z.string())}).nullable(),
    }),
  ),
  identity: z.strictObject({
    holds: z.boolean(),
    lines: z.array(IdentityLine),
    base: z.strictObject({
      ledger: Money.nullable(),
      expected: Money.nullable(),
      holds: z.boolean().nullable(),
      error: z.string().nullable(),
    }),
    unexplained: z.array(z.string()),
  }),
  open: z.number().int(),
}

export const ReconcileJson = z.strictObject({
  runId: z.number().int(),
  ...summary,
  exceptions: z.array(ReconcileException),
})

export const ReconcileShowJson = z.strictObject({
  runId: z.number().int(),
  ...summary,
  exceptions: z.array(ReconcileException.extend({changedSince: z.boolean()})),
})

export const ReconcileList = z.array(
  z.strictObject({
    runId: z.number().int(),
    site: z.string(),
    at: Iso,
    actor: z.string(),
    from: Iso.nullable(),
    to: Iso.nullable(),
    providers: z.array(z.string()),
    tolerance: z.string(),
    exceptions: z.number().int(),
    open: z.number().int(),
  }),
)

export const ResolveJson = z.strictObject({
  id: z.string(),
  class: z.enum(RECONCILE_CLASSES),
  site: z.string(),
  status: z.literal('resolved'),
  resolvedBy: z.string(),
  resolvedAt: Iso,
  note: z.string(),
})

export const BalanceExportJson = z.strictObject({
  ratesOn: z.string(),
  site: z.string().nullable(),
  customers: z.array(
    z.strictObject({
      id: z.string(),
      site: z.string(),
      name: z.string().nullable(),
      baseCurrency: z.string(),
      balances: z.array(Money.extend({inBase: Money.nullable()})),
      baseBalance: Money.nullable(),
      baseBalanceError: z.string().nullable(),
    }),
  ),
})
