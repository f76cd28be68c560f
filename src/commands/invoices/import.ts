import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {renderImportResult} from '../../cli/import-result.js'
import {ExitCode} from '../../core/errors.js'
import type {ImportResult} from '../../services/imports/run-import.js'
import {importInvoices} from '../../services/invoices.js'

export default class InvoicesImport extends BaseCommand<typeof InvoicesImport> {
  static override summary =
    "Import the billing cycle's expected payments: id,site,customer,amount,currency,issued_at,due_at"
  static override description =
    'Amounts are decimal strings in major units ("125.50"), checked exactly against the currency. Idempotent upsert; bad rows are reported by line, good rows still land (exit 4 when any row was rejected).'
  static override args = {file: Args.string({required: true, description: 'CSV or JSONL file'})}

  async run(): Promise<ImportResult> {
    const result = await importInvoices(await this.db(), this.ctx, this.args.file)
    this.out(renderImportResult('invoices', result, this.ui))
    if (result.rejected.length > 0) process.exitCode = ExitCode.partial
    return result
  }
}
