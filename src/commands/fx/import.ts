import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../core/errors.js'
import {importFx, type FxImportResult} from '../../services/fx.js'

export default class FxImport extends BaseCommand<typeof FxImport> {
  static override summary =
    'Import exchange rates: the ECB euro reference XML (daily or history) or CSV date,base,quote,rate'
  static override args = {
    file: Args.string({required: true, description: 'eurofxref-daily.xml, eurofxref-hist.xml or a CSV file'}),
  }

  async run(): Promise<FxImportResult> {
    const result = await importFx(await this.ledger(), this.ctx, this.args.file)
    this.out(
      `fx rates: ${result.imported} imported from ${result.source} (${result.dates} dates), ${result.rejected.length} rejected`,
    )
    for (const r of result.rejected.slice(0, 50)) this.out(`  line ${r.line}: ${r.error}`)
    if (result.rejected.length > 50) this.out(`  … and ${result.rejected.length - 50} more (use --json for all)`)
    if (result.rejected.length > 0) process.exitCode = ExitCode.partial
    return result
  }
}
