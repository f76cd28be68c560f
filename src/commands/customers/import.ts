import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {GATEWAY_KINDS} from '../../gateways/registry.js'
import {IMPORT_FILE_RULES, renderImportResult} from '../../cli/import-result.js'
import {ExitCode} from '../../core/errors.js'
import {importCustomers} from '../../services/customers.js'
import {limitsHelp} from '../../services/imports/fields.js'
import type {ImportResult} from '../../services/imports/run-import.js'

export default class CustomersImport extends BaseCommand<typeof CustomersImport> {
  static override summary = 'Import customers from the YMS: CSV or JSON lines, idempotent upsert'
  static override description = `Columns: id, site (required), segment, name, email and optional ref.<gateway> columns (the customer's id at that gateway: ${GATEWAY_KINDS.map((k) => `ref.${k}`).join(', ')}, or ref.<provider id> of a provider that exists). Longest values, in characters: ${limitsHelp(['id', 'name', 'email', 'segment', 'ref'])}. A customer cannot move to another site once money is booked for it.\n\n${IMPORT_FILE_RULES}`
  static override examples = [
    '<%= config.bin %> customers import customers.csv',
    '<%= config.bin %> customers import customers.jsonl --json',
  ]
  static override args = {file: Args.string({required: true, description: 'CSV or JSONL file'})}

  async run(): Promise<ImportResult> {
    const result = await importCustomers(await this.ledger(), this.ctx, this.args.file)
    this.out(renderImportResult('customers', result, this.ui))
    if (result.rejected.length > 0) process.exitCode = ExitCode.partial
    return result
  }
}
