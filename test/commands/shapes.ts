import {z} from 'zod'

import {QUARANTINE_REASONS, TXN_STATUSES, TXN_TYPES} from '../../src/core/transaction.js'

/**
 * The --json shapes scripts rely on, as strict objects: a renamed, dropped or extra field fails the test that
 * parses it. Values are asserted by each test; these only pin the shape.
 */
/** What every list command adds beside its rows: whether --limit cut the list, and how to get the rest. */
const Page = {truncated: z.boolean(), limit: z.number().int().positive(), hint: z.string().min(1).optional()}

export const Iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/)
export const Money = z.strictObject({minor: z.number().int(), currency: z.string().regex(/^[A-Z]{3}$/)})

export const ErrorJson = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string().min(1),
    hint: z.string().optional(),
    exitCode: z.number().int(),
  }),
})

export const ImportResult = z.strictObject({
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.array(z.strictObject({line: z.number().int().positive(), error: z.string().min(1)})),
})

export const Site = z.strictObject({
  id: z.string(),
  name: z.string(),
  currency: z.string(),
  country: z.string().nullable(),
  timezone: z.string().nullable(),
})
export const SiteList = z.strictObject({sites: z.array(Site)})

export const TxnSummary = z.strictObject({
  id: z.string(),
  provider: z.string(),
  type: z.enum(TXN_TYPES),
  status: z.enum(TXN_STATUSES),
  amount: Money,
  customer: z.string().nullable(),
  site: z.string().nullable(),
  occurredAt: Iso,
  updatedAt: Iso,
})
export const TxnList = z.strictObject({transactions: z.array(TxnSummary), ...Page})

export const Customer = z.strictObject({
  id: z.string(),
  site: z.string(),
  segment: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  refs: z.record(z.string(), z.string()),
})
export const CustomerList = z.strictObject({customers: z.array(Customer), ...Page})
export const CustomerDetail = Customer.extend({
  balances: z.array(Money),
  baseBalance: Money,
  baseBalanceError: z.string().nullable(),
  recent: z.array(TxnSummary),
}).strict()

export const FxRate = z.strictObject({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  base: z.string(),
  quote: z.string(),
  rate: z.string(),
})
export const FxList = z.strictObject({rates: z.array(FxRate), ...Page})
export const FxImport = z.strictObject({
  source: z.enum(['ecb', 'csv']),
  imported: z.number().int(),
  unchanged: z.number().int(),
  dates: z.number().int(),
  rejected: z.array(z.strictObject({line: z.number().int(), error: z.string()})),
})
export const Conversion = z.strictObject({
  from: Money,
  to: Money,
  rate: z.string(),
  rateDate: z.string(),
  path: z.array(z.string()),
})

export const Provider = z.strictObject({
  id: z.string(),
  kind: z.string(),
  enabled: z.boolean(),
  baseUrl: z.string(),
  sites: z.array(z.string()),
  settings: z.record(z.string(), z.string()),
  grants: z.array(z.strictObject({segment: z.string(), site: z.string(), access: z.enum(['read', 'write'])})),
  secrets: z.array(
    z.strictObject({
      field: z.string(),
      source: z.enum(['env', 'keychain', 'unknown']).nullable(),
      envVar: z.string(),
      use: z.enum(['api', 'webhooks', 'optional']),
    }),
  ),
  fallback: z.string().nullable(),
  retrySchedule: z.string().nullable(),
  maxRetries: z.number().int().nullable(),
  lastSync: z.string().nullable(),
  // add and enable warn about secrets that are missing; add and grant about a segment no customer has yet
  warnings: z.array(z.string()).optional(),
})
export const ProviderList = z.strictObject({providers: z.array(Provider.omit({warnings: true}))})
export const GrantResult = z.strictObject({
  provider: z.string(),
  changed: z.boolean(),
  warnings: z.array(z.string()).optional(),
})
export const RemoveResult = z.strictObject({
  id: z.string(),
  removed: z.boolean(),
  purged: z.boolean(),
  secretsDeleted: z.array(z.string()),
  warnings: z.array(z.string()).optional(),
})
export const TestResult = z.strictObject({
  provider: z.string(),
  kind: z.string(),
  ok: z.literal(true),
  baseUrl: z.string(),
  durationMs: z.number().int().nonnegative(),
  calls: z.number().int().positive(),
})

export const AuditRow = z.strictObject({
  seq: z.number().int().positive(),
  at: Iso,
  actor: z.string(),
  action: z.string(),
  provider: z.string().nullable(),
  subject: z.string().nullable(),
  outcome: z.string(),
  details: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
})
export const AuditList = z.strictObject({rows: z.array(AuditRow), ...Page})
export const AuditVerify = z.union([
  z.strictObject({ok: z.literal(true), rows: z.number().int()}),
  z.strictObject({ok: z.literal(false), seq: z.number().int(), reason: z.string(), rows: z.number().int()}),
])

export const TxnDetail = z.strictObject({
  transaction: z.looseObject({
    id: z.string(),
    provider: z.string(),
    type: z.enum(TXN_TYPES),
    status: z.enum(TXN_STATUSES),
    amount: Money,
  }),
  raw: z.unknown(),
  postings: z.array(z.strictObject({version: z.number().int(), account: z.string(), amount: Money, postedAt: Iso})),
  states: z.array(
    z.strictObject({
      version: z.number().int(),
      status: z.string(),
      amount: Money,
      gatewayUpdatedAt: Iso,
      source: z.string(),
      recordedAt: Iso,
    }),
  ),
  audit: z.array(AuditRow),
})

export const QuarantineItem = z.strictObject({
  id: z.number().int(),
  provider: z.string(),
  externalId: z.string().nullable(),
  reason: z.enum(QUARANTINE_REASONS),
  detail: z.string(),
  status: z.enum(['open', 'replayed', 'resolved']),
  seenCount: z.number().int().positive(),
  source: z.string(),
  createdAt: Iso,
  updatedAt: Iso,
  raw: z.unknown().optional(),
})
export const QuarantineList = z.strictObject({items: z.array(QuarantineItem), ...Page})
export const ReplayResult = z.strictObject({
  considered: z.number().int(),
  applied: z.number().int(),
  stillQuarantined: z.number().int(),
  notReplayable: z.number().int(),
})

const nullableInt = z.number().int().nullable()
export const Metrics = z.strictObject({
  window: z.string(),
  from: Iso,
  to: Iso,
  retryDefinition: z.string().min(1),
  providers: z.array(
    z.strictObject({
      provider: z.string(),
      syncLatencyMs: z.strictObject({p50: nullableInt, p95: nullableInt, p99: nullableInt, count: z.number().int()}),
      syncLatencyBySource: z.strictObject({
        pull: z.strictObject({p50: nullableInt, p95: nullableInt, p99: nullableInt, count: z.number().int()}),
        webhook: z.strictObject({p50: nullableInt, p95: nullableInt, p99: nullableInt, count: z.number().int()}),
      }),
      webhookToLedgerMs: z.strictObject({
        p50: nullableInt,
        p95: nullableInt,
        p99: nullableInt,
        count: z.number().int(),
      }),
      uptimePct: z.number().min(0).max(100).nullable(),
      calls: z.number().int(),
      errors: z.number().int(),
      retry: z.strictObject({
        attempted: z.number().int(),
        recovered: z.number().int(),
        eligible: z.number().int(),
        pending: z.number().int(),
        successRate: z.number().min(0).max(1).nullable(),
      }),
    }),
  ),
})

export const Status = z.strictObject({
  at: Iso,
  providers: z.array(
    z.strictObject({
      id: z.string(),
      kind: z.string(),
      enabled: z.boolean(),
      health: z.enum(['ok', 'degraded', 'failing', 'down', 'unknown', 'disabled']),
      uptimePctLastHour: z.number().nullable(),
      lagMs: z.number().int().nonnegative().nullable(),
      lastSync: z.strictObject({status: z.string(), startedAt: Iso, finishedAt: Iso.nullable()}).nullable(),
      lastError: z.strictObject({at: Iso, message: z.string()}).nullable(),
      failures24h: z.number().int(),
      quarantined: z.number().int(),
      pendingRetries: z.number().int(),
    }),
  ),
  sites: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      currency: z.string(),
      balances: z.array(
        z.strictObject({
          minor: z.number().int(),
          currency: z.string(),
          inBase: Money.nullable(),
          rate: z.string().nullable(),
          rateDate: z.string().nullable(),
        }),
      ),
      totalInBase: Money.nullable(),
      missingRates: z.array(z.string()),
    }),
  ),
  quarantine: z.strictObject({open: z.number().int(), byReason: z.record(z.string(), z.number().int())}),
  exceptions: z.strictObject({
    open: z.number().int(),
    bySite: z.array(z.strictObject({site: z.string(), run: z.number().int(), open: z.number().int()})),
  }),
  alerts: z.strictObject({
    targets: z.number().int(),
    disabled: z.array(z.string()),
    pending: z.number().int(),
    oldestPendingAt: Iso.nullable(),
    failed: z.number().int(),
  }),
  unmappedDeclines: z.strictObject({codes: z.number().int().nonnegative(), payments: z.number().int().nonnegative()}),
})

const counts = {
  fetched: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  quarantined: z.number().int(),
  skipped: z.number().int(),
  posted: z.number().int(),
}
/** What applying a page, a webhook or a replay counted. */
export const ApplyCounts = z.strictObject(counts)
export const ProviderRun = z.strictObject({
  provider: z.string(),
  status: z.enum(['ok', 'failed', 'skipped_locked', 'stopped']),
  pages: z.number().int(),
  durationMs: z.number().int().nonnegative(),
  error: z.string().optional(),
  exitCode: z.number().int().optional(),
  ...counts,
})
export const SyncResult = z.strictObject({
  runs: z.array(ProviderRun),
  totals: z.strictObject({
    ...counts,
    pages: z.number().int(),
    providers: z.number().int(),
    failed: z.number().int(),
    skippedLocked: z.number().int(),
    stopped: z.number().int(),
  }),
})
