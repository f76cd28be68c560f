import {readFile} from 'node:fs/promises'

import type {AppContext} from '../app/context.js'
import {assertCurrency} from '../core/currency.js'
import {convertMoney, formatRational, parseRate, type RateLookup, resolveRate, type FxRate} from '../core/fx.js'
import {parseEcbXml, parseFxCsv} from '../core/fx-sources.js'
import {parseDecimal} from '../core/money.js'
import {parseDay} from '../core/time-input.js'
import type {Money} from '../core/transaction.js'
import {ConfigError, UsageError} from '../core/errors.js'
import {dual} from '../store/ops/dual.js'
import type {LedgerHandle} from '../store/ops/ledger-handle.js'
import {type Ops, write} from '../store/ops/op.js'
import {listRates as listRateRows, rateOnOrBefore, upsertRates} from '../store/repos/fx.js'
import {appendAudit} from './audit.js'

export interface FxImportResult {
  source: 'ecb' | 'csv'
  imported: number
  unchanged: number
  dates: number
  rejected: Array<{line: number; error: string}>
}

export interface Conversion {
  from: Money
  to: Money
  rate: string
  rateDate: string
  path: string[]
}

/** Reads and parses the file, then stores its rates and the audit row in one write transaction. */
export async function importFx(ledger: LedgerHandle, ctx: AppContext, file: string): Promise<FxImportResult> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  })
  const isXml = text.trimStart().startsWith('<')
  const parsed = isXml ? parseEcbXml(text) : parseFxCsv(text)
  const rejected = isXml
    ? (parsed as ReturnType<typeof parseEcbXml>).errors.map((e) => ({line: e.line ?? 0, error: e.error}))
    : (parsed as ReturnType<typeof parseFxCsv>).rejected
  const source = isXml ? 'ecb' : 'csv'
  const result = await ledger.write(
    (function* () {
      const r = yield* upsertRates.ops(parsed.rates.map((rate) => ({...rate, source})))
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'fx.import',
        subject: file,
        outcome: rejected.length ? 'partial' : 'ok',
        details: {source, imported: r.inserted + r.updated, unchanged: r.unchanged, rejected: rejected.length},
      })
      return r
    })(),
  )
  return {
    source,
    imported: result.inserted + result.updated,
    unchanged: result.unchanged,
    dates: new Set(parsed.rates.map((r) => r.date)).size,
    rejected,
  }
}

export const setRate = dual(function* setRate(
  ctx: AppContext,
  input: {base: string; quote: string; rate: string; date?: string},
): Ops<FxRate> {
  const base = assertCurrency(input.base, 'BASE')
  const quote = assertCurrency(input.quote, 'QUOTE')
  if (base === quote) throw new UsageError('BASE and QUOTE must differ')
  const date = input.date === undefined ? today(ctx) : parseDay(input.date, '--date')
  parseRate(input.rate) // throws a MoneyError naming the problem
  const rate: FxRate = {date, base, quote, rate: input.rate}
  yield* write(
    (function* () {
      yield* upsertRates.ops([{...rate, source: 'manual'}])
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'fx.set',
        subject: `${base}/${quote}`,
        outcome: 'ok',
        details: rate,
      })
    })(),
  )
  return rate
})

export const listRates = dual(function* listRates(filter: {
  base?: string
  quote?: string
  limit?: number
}): Ops<FxRate[]> {
  // Read as fx set reads them: "eur" is EUR, and "XYZ" an error rather than a list that can never match.
  const base = filter.base === undefined ? undefined : assertCurrency(filter.base, '--base')
  const quote = filter.quote === undefined ? undefined : assertCurrency(filter.quote, '--quote')
  return (yield* listRateRows.ops({...filter, base, quote})).map((r) => ({
    date: r.date,
    base: r.base,
    quote: r.quote,
    rate: r.rate,
  }))
})

/** Converts at the latest rate on or before `date` (direct, inverse or through EUR); ConfigError when none exists. */
export const convertAt = dual(function* convertAt(amount: Money, to: string, date: string): Ops<Conversion> {
  const target = assertCurrency(to)
  const resolved = yield* withRates((lookup) => resolveRate(amount.currency, target, date, lookup))
  if (!resolved) {
    throw new ConfigError(
      `no exchange rate from ${amount.currency} to ${target} on or before ${date}`,
      'Import rates with `yms-pay fx import eurofxref-daily.xml` or set one with `yms-pay fx set`.',
      'fx_rate_missing',
    )
  }
  return {
    from: amount,
    to: convertMoney(amount, target, resolved.rate),
    rate: formatRational(resolved.rate, 10),
    rateDate: resolved.date,
    path: resolved.path,
  }
})

/** A rate core/fx.ts asked for that has not been read yet: read it, then ask again. */
class RateNeeded extends Error {
  constructor(readonly pair: [base: string, quote: string, onOrBefore: string]) {
    super(`rate ${pair.join(' ')} not read yet`)
  }
}

/**
 * `compute` with a rate look-up answered by statements: core/fx.ts asks synchronously, so each rate it asks for
 * that is not read yet stops it, is read, and it runs again with what was read. The rates read, and their order,
 * are those of a synchronous look-up; the pure computation runs at most once more per rate.
 */
function* withRates<T>(compute: (lookup: RateLookup) => T): Ops<T> {
  const known = new Map<string, FxRate | undefined>()
  const key = (b: string, q: string, d: string) => `${b}/${q}/${d}`
  for (;;) {
    try {
      return compute((b, q, d) => {
        const k = key(b, q, d)
        if (!known.has(k)) throw new RateNeeded([b, q, d])
        return known.get(k)
      })
    } catch (error) {
      if (!(error instanceof RateNeeded)) throw error
      const [b, q, d] = error.pair
      known.set(key(b, q, d), (yield* rateOnOrBefore.ops(b, q, d)) ?? undefined)
    }
  }
}

export const convertAmount = dual(function* convertAmount(
  ctx: AppContext,
  input: {amount: string; from: string; to: string; date?: string},
): Ops<Conversion> {
  const date = input.date === undefined ? today(ctx) : parseDay(input.date, '--date')
  const from = assertCurrency(input.from, 'FROM')
  const to = assertCurrency(input.to, 'TO')
  return yield* convertAt.ops(parseDecimal(input.amount, from, {field: 'AMOUNT'}), to, date)
})

function today(ctx: AppContext): string {
  return new Date(ctx.now()).toISOString().slice(0, 10)
}
