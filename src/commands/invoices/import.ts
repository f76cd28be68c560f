import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {IMPORT_FILE_RULES, renderImportResult} from '../../cli/import-result.js'
import {ExitCode} from '../../core/errors.js'
import type {ImportResult} from '../../services/imports/run-import.js'
import {importInvoices} from '../../services/invoices.js'
import {LIMITS, limitsHelp} from '../../services/imports/fields.js'

export default class InvoicesImport extends BaseCommand<typeof InvoicesImport> {
  static override summary =
    "Import the billing cycle's expected payments: id,site,customer,amount,currency,issued_at,due_at"
  static override description = `Columns: id, site, customer, amount, currency, issued_at (required), due_at. Amounts are decimal strings in major units ("125.50"), checked exactly against the currency. The site must be the customer's site; due_at may not be before issued_at. Longest values, in characters: ${limitsHelp(['id', 'amount'])}, issued_at and due_at ${LIMITS.time}.\n\n${IMPORT_FILE_RULES}`
  static override args = {file: Args.string({required: true, description: 'CSV or JSONL file'})}

  async run(): Promise<ImportResult> {
    const result = await importInvoices(await this.ledger(), this.ctx, this.args.file)
    this.out(renderImportResult('invoices', result, this.ui))
    if (result.rejected.length > 0) process.exitCode = ExitCode.partial
    return result
  }
}
