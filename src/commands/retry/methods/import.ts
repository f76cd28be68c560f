import {Args} from '@oclif/core'

import {BaseCommand} from '../../../cli/base-command.js'
import {IMPORT_FILE_RULES, renderImportResult} from '../../../cli/import-result.js'
import {ExitCode} from '../../../core/errors.js'
import {GATEWAY_KINDS} from '../../../gateways/registry.js'
import {importPaymentMethods} from '../../../services/retry/methods.js'
import type {ImportResult} from '../../../services/imports/run-import.js'

export default class RetryMethodsImport extends BaseCommand<typeof RetryMethodsImport> {
  static override summary = "Import customers' stored payment methods per gateway, which retries charge"
  static override description = `Columns: customer, provider, payment_method (all required). provider is a provider id or a gateway kind (${GATEWAY_KINDS.join(', ')}), as in the customers file's ref.<…> columns; payment_method is the customer's stored method at that gateway, in its own form (a payment method id, a stored card id, a vault id, a card on file, a token). A retry, and a fallback, go only where the customer has one. Idempotent upsert.\n\n${IMPORT_FILE_RULES}`
  static override examples = ['<%= config.bin %> retry methods import methods.csv']
  static override args = {file: Args.string({required: true, description: 'CSV or JSONL file'})}

  async run(): Promise<ImportResult> {
    const result = await importPaymentMethods(await this.ledger(), this.ctx, this.args.file)
    this.out(renderImportResult('payment methods', result, this.ui))
    if (result.rejected.length > 0) process.exitCode = ExitCode.partial
    return result
  }
}
