import {formatDecimal, formatMoney} from '../core/money.js'
import {RECONCILE_CLASSES} from '../core/reconcile/classes.js'
import type {Money} from '../core/transaction.js'
import type {ExceptionView, ReconcileResult} from '../services/reconcile/result.js'
import type {Renderer} from './render.js'
import {csvRow} from '../core/csv.js'

const moneyList = (list: readonly Money[]): string => list.map(formatMoney).join(', ')

/** The terminal view of a run: counts and amounts per class and per provider, the identity, the exceptions. */
export function renderReconcile(r: ReconcileResult, ui: Renderer, opts: {limit: number}): string {
  const c = ui.chalk
  const parts: string[] = []
  const scope = [
    r.from && `from ${r.from}`,
    r.to && `to ${r.to}`,
    r.providers.length > 0 && `providers ${r.providers.join(', ')}`,
  ]
    .filter(Boolean)
    .join(', ')
  parts.push(
    c.bold(`reconcile ${r.site} (${r.currency}), run ${r.runId} at ${r.at}`) +
      `  tolerance ${r.tolerance}, window ${r.windowDays} days${scope ? `, ${scope}` : ''}`,
  )
  parts.push(
    ui.table(
      ['class', 'findings', 'invoices', 'payments', 'invoiced', 'paid', 'exceptions'],
      RECONCILE_CLASSES.filter((k) => r.counts[k] > 0).map((k) => [
        k === 'matched' ? c.green(k) : k,
        r.counts[k],
        r.items.invoices[k],
        r.items.payments[k],
        moneyList(r.amounts[k].invoiced),
        moneyList(r.amounts[k].paid),
        r.exceptions.filter((e) => e.class === k).length,
      ]),
    ),
  )
  if (r.byProvider.length > 0) {
    parts.push(
      ui.table(
        ['provider', 'class', 'payments', 'paid'],
        r.byProvider.flatMap((p) => p.classes.map((k) => [p.provider, k.class, k.payments, moneyList(k.paid)])),
      ),
    )
  }
  const rules = `matched by reference ${r.rules.reference}, by exact sum ${r.rules.exact_sum}, by amount and date ${r.rules.amount_and_date} (${r.rules.converted} converted)`
  parts.push(
    ui.fields([
      ['rules', rules],
      ['balance identity', identityWords(r, ui)],
    ]),
  )
  if (r.exceptions.length > 0) parts.push(renderExceptions(r.exceptions, ui, opts.limit))
  parts.push(
    r.open > 0
      ? c.yellow(`${r.open} open exception(s): resolve with \`yms-pay reconcile resolve <id> --note "..."\``)
      : c.green('no open exceptions'),
  )
  return parts.join('\n')
}

function identityWords(r: ReconcileResult, ui: Renderer): string {
  const lines = r.identity.lines.map(
    (l) =>
      `${l.currency}: ledger ${formatMoney(l.ledger)} = invoices ${formatMoney(l.invoices)} - payments ${formatMoney(l.payments)} + refunds ${formatMoney(l.refunds)} + disputes ${formatMoney(l.disputes)}${l.difference.minor === 0 ? '' : ui.chalk.red(` (off by ${formatMoney(l.difference)})`)}`,
  )
  const base = r.identity.base
  const baseWords =
    base.holds === null
      ? `in ${r.currency}: ${base.error}`
      : `in ${r.currency}: ${formatMoney(base.ledger!)}${base.holds ? '' : ui.chalk.red(` (expected ${formatMoney(base.expected!)})`)}`
  const verdict = r.identity.holds ? ui.chalk.green('holds') : ui.chalk.red('does not hold')
  const unexplained = r.identity.unexplained.length > 0 ? `; unexplained: ${r.identity.unexplained.join(', ')}` : ''
  return [verdict, ...lines, baseWords].join('; ') + unexplained
}

export function renderExceptions(exceptions: readonly ExceptionView[], ui: Renderer, limit: number): string {
  const shown = exceptions.slice(0, limit)
  const lines = shown.map((e) => {
    const head = `${ui.chalk.bold(e.id)}  ${e.class}${e.status === 'resolved' ? ui.chalk.green(' (resolved)') : ''}`
    const about = [...e.invoices, ...e.transactions].join(', ')
    const resolution = e.resolution ? `\n    resolved by ${e.resolution.by}: ${e.resolution.note}` : ''
    return `${head}  ${about}\n    ${e.note}${resolution}`
  })
  if (exceptions.length > shown.length)
    lines.push(`... and ${exceptions.length - shown.length} more (--limit, or --format csv / --json for all)`)
  return lines.join('\n')
}

export const RECONCILE_CSV_COLUMNS = [
  'id',
  'class',
  'status',
  'invoices',
  'transactions',
  'expected',
  'expected_currency',
  'actual',
  'actual_currency',
  'note',
  'resolution',
] as const

/** Exceptions as CSV for a spreadsheet: one line each, amounts as decimals. */
export function reconcileCsv(exceptions: readonly ExceptionView[]): string {
  const decimal = (m: Money | null) => (m ? formatDecimal(m) : '')
  return (
    csvRow(RECONCILE_CSV_COLUMNS) +
    exceptions
      .map((e) =>
        csvRow([
          e.id,
          e.class,
          e.status,
          e.invoices.join(' '),
          e.transactions.join(' '),
          decimal(e.expected),
          e.expected?.currency ?? null,
          decimal(e.actual),
          e.actual?.currency ?? null,
          e.note,
          e.resolution ? `${e.resolution.by}: ${e.resolution.note}` : '',
        ]),
      )
      .join('')
  )
}

/** One line per reconciled site: its run, the findings per class that has any, open exceptions, the identity. */
export function renderReconcileSummaries(
  runs: ReadonlyArray<Pick<ReconcileResult, 'runId' | 'counts' | 'open'> & {site: string; identityHolds: boolean}>,
  ui: Renderer,
): string {
  return ui.table(
    ['site', 'run', 'findings per class', 'open exceptions', 'balance identity'],
    runs.map((r) => [
      r.site,
      r.runId,
      RECONCILE_CLASSES.filter((k) => r.counts[k] > 0)
        .map((k) => `${k} ${r.counts[k]}`)
        .join(', '),
      r.open,
      r.identityHolds ? ui.chalk.green('holds') : ui.chalk.red('does not hold'),
    ]),
  )
}
