import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, now, type Ops, run} from '../ops/op.js'
import {applyBatch, type BatchResult} from './batch.js'

/** `rate` quote units for one base unit, an exact decimal string (never a float). */
export interface FxRate {
  date: string // YYYY-MM-DD
  base: string
  quote: string
  rate: string
  source: string // e.g. 'ecb', 'csv:<file>', 'manual'
}

export interface StoredFxRate extends FxRate {
  updatedAt: string
}

interface FxRow {
  date: string
  base: string
  quote: string
  rate: string
  source: string
  updated_at: string
}

/**
 * Inserts or replaces rates in one transaction. A rate counts as unchanged when the same decimal is stored
 * (compared as written: "1.10" and "1.1" differ, so normalize before calling if that matters).
 */
export const upsertRates = dual(function* upsertRates(rates: readonly FxRate[]): Ops<BatchResult> {
  return yield* applyBatch.ops(rates, function* (rate) {
    const stored = yield* get<{rate: string; source: string}>(
      'SELECT rate, source FROM fx_rates WHERE base = ? AND quote = ? AND date = ?',
      [rate.base, rate.quote, rate.date],
    )
    if (stored !== undefined && stored.rate === rate.rate && stored.source === rate.source) return 'unchanged'
    yield* run(
      `INSERT INTO fx_rates (base, quote, date, rate, source, updated_at) VALUES (@base, @quote, @date, @rate, @source, @at)
       ON CONFLICT (base, quote, date) DO UPDATE SET rate = excluded.rate, source = excluded.source,
       updated_at = excluded.updated_at`,
      {...rate, at: yield* now()},
    )
    return stored === undefined ? 'inserted' : 'updated'
  })
})

/** The latest stored rate for exactly this pair dated on or before `date` (no inversion or crossing here). */
export const rateOnOrBefore = dual(function* rateOnOrBefore(
  base: string,
  quote: string,
  date: string,
): Ops<StoredFxRate | null> {
  const row = yield* get<FxRow>(
    `SELECT date, base, quote, rate, source, updated_at FROM fx_rates
       WHERE base = ? AND quote = ? AND date <= ? ORDER BY date DESC LIMIT 1`,
    [base, quote, date.slice(0, 10)],
  )
  return row === undefined ? null : toRate(row)
})

export interface FxFilter {
  base?: string
  quote?: string
  from?: string // inclusive date
  to?: string // inclusive date
  limit?: number
}

const LIST = bothWays(
  (w) => `SELECT date, base, quote, rate, source, updated_at FROM fx_rates
       WHERE (${w.unset('@base')} OR base = @base) AND (${w.unset('@quote')} OR quote = @quote)
       AND (${w.unset('@from')} OR date >= @from) AND (${w.unset('@to')} OR date <= @to)
       ORDER BY date DESC, base, quote LIMIT ${w.limit('@limit')}`,
)

export const listRates = dual(function* listRates(filter: FxFilter = {}): Ops<StoredFxRate[]> {
  const rows = yield* all<FxRow>(LIST, {
    base: filter.base ?? null,
    quote: filter.quote ?? null,
    from: filter.from ?? null,
    to: filter.to ?? null,
    limit: filter.limit ?? -1,
  })
  return rows.map(toRate)
})

function toRate(row: FxRow): StoredFxRate {
  return {
    date: row.date,
    base: row.base,
    quote: row.quote,
    rate: row.rate,
    source: row.source,
    updatedAt: row.updated_at,
  }
}
