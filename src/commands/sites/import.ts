import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../core/errors.js'
import {renderImportResult} from '../../cli/import-result.js'
import type {ImportResult} from '../../services/imports/run-import.js'
import {IMPORT_FILE_RULES} from '../../cli/import-result.js'
import {importSites} from '../../services/sites.js'
import {limitsHelp} from '../../services/imports/fields.js'

export default class SitesImport extends BaseCommand<typeof SitesImport> {
  static override summary = 'Import sites from CSV (id,name,currency,country,timezone) or JSON lines'
  static override description = `Columns: id, name, currency (required), country, timezone. Longest values, in characters: ${limitsHelp(['id', 'name', 'timezone'])}. A site's currency cannot change once money is booked at it.\n\n${IMPORT_FILE_RULES}`
  static override args = {file: Args.string({required: true, description: 'CSV or JSONL file'})}

  async run(): Promise<ImportResult> {
    const result = await importSites(await this.ledger(), this.ctx, this.args.file)
    this.out(renderImportResult('sites', result, this.ui))
    // Good rows landed; a non-zero exit still tells cron that some lines need fixing.
    if (result.rejected.length > 0) process.exitCode = ExitCode.partial
    return result
  }
}
