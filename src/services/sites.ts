import {z} from 'zod'

import type {AppContext} from '../app/context.js'
import {UsageError} from '../core/errors.js'
import {dual} from '../store/ops/dual.js'
import type {LedgerHandle} from '../store/ops/ledger-handle.js'
import {type Ops, write} from '../store/ops/op.js'
import {single} from '../store/repos/batch.js'
import {listSites as listSiteRows, upsertSites, type Site} from '../store/repos/sites.js'
import {appendAudit} from './audit.js'
import {auditedImportInto} from './imports/audited-import.js'
import type {ColumnRules} from './imports/columns.js'
import type {ImportResult} from './imports/run-import.js'
import {currencyCode, LIMITS, optionalText, requiredId, requiredText} from './imports/fields.js'

export type SiteView = Pick<Site, 'id' | 'name' | 'currency' | 'country' | 'timezone'>

const SITE_COLUMNS: ColumnRules = {
  what: 'sites',
  required: ['id', 'name', 'currency'],
  optional: ['country', 'timezone'],
}

const SiteRowSchema = z.object({
  id: requiredId,
  name: requiredText(LIMITS.name),
  currency: currencyCode,
  country: optionalText(LIMITS.country).pipe(
    z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'two-letter ISO 3166 code')
      .transform((c) => c.toUpperCase())
      .nullable(),
  ),
  timezone: optionalText(LIMITS.timezone).refine((tz) => tz === null || isTimeZone(tz), 'unknown IANA time zone'),
})
export type SiteRow = z.infer<typeof SiteRowSchema>

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', {timeZone: tz})
    return true
  } catch {
    return false
  }
}

function toView(s: Site | SiteRow): SiteView {
  return {id: s.id, name: s.name, currency: s.currency, country: s.country ?? null, timezone: s.timezone ?? null}
}

export const addSite = dual(function* addSite(
  ctx: AppContext,
  input: {id: string; name: string; currency: string; country: string | null; timezone: string | null},
): Ops<SiteView> {
  const parsed = SiteRowSchema.safeParse(input)
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `--${String(i.path[0] ?? 'input')}: ${i.message}`).join('; '))
  }
  const site = parsed.data
  yield* write(
    (function* () {
      const result = single(yield* upsertSites.ops([site]), `site ${site.id}`)
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'site.add',
        subject: site.id,
        outcome: 'ok',
        details: {result, ...toView(site)},
      })
      return result
    })(),
  )
  return toView(site)
})

export function importSites(ledger: LedgerHandle, ctx: AppContext, file: string): Promise<ImportResult> {
  return auditedImportInto(ledger, ctx, {
    file,
    action: 'site.import',
    columns: SITE_COLUMNS,
    schema: SiteRowSchema,
    upsert: (rows) => upsertSites.ops(rows),
  })
}

export const listSites = dual(function* listSites(): Ops<SiteView[]> {
  return (yield* listSiteRows.ops()).map(toView)
})
