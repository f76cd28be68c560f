import {open} from 'node:fs/promises'
import {join} from 'node:path'

import {GATEWAY_KINDS} from '../gateways/registry.js'
import {csvRow} from '../core/csv.js'
import {formatDecimal} from '../core/money.js'
import type {Scenario} from './model.js'

/**
 * The YMS side of a scenario (`sandbox serve --export DIR`): sites.csv, customers.csv and invoices.csv in
 * exactly the columns `sites import`, `customers import` and `invoices import` read.
 */
const SITES_COLUMNS = ['id', 'name', 'currency', 'country', 'timezone'] as const
const CUSTOMERS_COLUMNS = ['id', 'site', 'segment', 'name', 'email', ...GATEWAY_KINDS.map((k) => `ref.${k}`)] as const
const INVOICES_COLUMNS = ['id', 'site', 'customer', 'amount', 'currency', 'issued_at', 'due_at'] as const

async function writeCsv(path: string, header: readonly string[], rows: Iterable<readonly string[]>): Promise<void> {
  const file = await open(path, 'w')
  try {
    // The one CSV writer (core/csv.ts): RFC 4180 quoting, formula cells neutralised in a way the imports undo.
    let chunk = csvRow(header, '\n')
    for (const row of rows) {
      chunk += csvRow(row, '\n')
      // Written in slices so a million-row export never builds one giant string.
      if (chunk.length > 1 << 20) {
        await file.write(chunk)
        chunk = ''
      }
    }
    await file.write(chunk)
  } finally {
    await file.close()
  }
}

export interface ExportResult {
  files: {sites: string; customers: string; invoices: string}
  counts: {sites: number; customers: number; invoices: number}
}

/** Writes the three files into `dir` (which must exist), replacing earlier exports. */
export async function exportScenario(scenario: Scenario, dir: string): Promise<ExportResult> {
  const files = {
    sites: join(dir, 'sites.csv'),
    customers: join(dir, 'customers.csv'),
    invoices: join(dir, 'invoices.csv'),
  }
  await writeCsv(
    files.sites,
    SITES_COLUMNS,
    scenario.sites.map((s) => [s.id, s.name, s.currency, s.country, s.timezone]),
  )
  await writeCsv(
    files.customers,
    CUSTOMERS_COLUMNS,
    (function* () {
      for (const c of scenario.customers)
        yield [c.id, c.site, c.segment, c.name, c.email, ...GATEWAY_KINDS.map((k) => c.refs[k])]
    })(),
  )
  await writeCsv(
    files.invoices,
    INVOICES_COLUMNS,
    (function* () {
      for (const i of scenario.invoices)
        yield [i.id, i.site, i.customer, formatDecimal(i.amount), i.amount.currency, i.issuedAt, i.dueAt]
    })(),
  )
  return {
    files,
    counts: {sites: scenario.sites.length, customers: scenario.customers.length, invoices: scenario.invoices.length},
  }
}
