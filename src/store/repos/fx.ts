import type {Db} from '../db.js'
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
export function upsertRates(db: Db, rates: readonly FxRate[]): BatchResult {
  return applyBatch(db, rates, (rate) => {
    const stored = db
      .stmt('SELECT rate, source FROM fx_rates WHERE base = ? AND quote = ? AND date = ?')
      .get(rate.base, rate.quote, rate.date) as {rate: string; source: string} | undefined
    if (stored !== undefined && stored.rate === rate.rate && stored.source === rate.source) return 'unchanged'
    db.stmt(
      `INSERT INTO fx_rates (base, quote, date, rate, source, updated_at) VALUES (@base, @quote, @date, @rate, @source, @at)
       ON CONFLICT (base, quote, date) DO UPDATE SET rate = excluded.rate, source = excluded.source,
       updated_at = excluded.updated_at`,
    ).run({...rate, at: db.now()})
    return stored === undefined ? 'inserted' : 'updated'
  })
}

/** The latest stored rate for exactly this pair dated on or before `date` (no inversion or crossing here). */
export function rateOnOrBefore(db: Db, base: string, quote: string, date: string): StoredFxRate | null {
  const row = db
    .stmt(
      `SELECT date, base, quote, rate, source, updated_at FROM fx_rates
       WHERE base = ? AND quote = ? AND date <= ? ORDER BY date DESC LIMIT 1`,
    )
    .get(base, quote, date.slice(0, 10)) as FxRow | undefined
  return row === undefined ? null : toRate(row)
}

export interface FxFilter {
  base?: string
  quote?: string
  from?: string // inclusive date
  to?: string // inclusive date
  limit?: number
}

export function listRates(db: Db, filter: FxFilter = {}): StoredFxRate[] {
  const rows = db
    .stmt(
      `SELECT date, base, quote, rate, source, updated_at FROM fx_rates
       WHERE (@base IS NULL OR base = @base) AND (@quote IS NULL OR quote = @quote)
       AND (@from IS NULL OR date >= @from) AND (@to IS NULL OR date <= @to)
       ORDER BY date DESC, base, quote LIMIT @limit`,
    )
    .all({
      base: filter.base ?? null,
      quote: filter.quote ?? null,
      from: filter.from ?? null,
      to: filter.to ?? null,
      limit: filter.limit ?? -1,
    }) as FxRow[]
  return rows.map(toRate)
}

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
