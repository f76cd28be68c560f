import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {UsageError} from '../../core/errors.js'
import {exportAudit} from '../../services/audit.js'

export default class AuditExport extends BaseCommand<typeof AuditExport> {
  static override summary = 'Write the whole audit log to stdout as CSV or JSON lines (streamed)'
  static override description =
    'The log is streamed, never held whole in memory, so --json means JSON lines (the default format: one object per row, as `audit list --json` shows rows), and an error is one JSON object on stdout.'
  static override flags = {format: Flags.string({options: ['csv', 'jsonl'], default: 'jsonl'})}

  async run(): Promise<void> {
    if (this.jsonEnabled() && this.flags.format === 'csv')
      throw new UsageError('--json and --format csv exclude each other', '--json streams JSON lines; drop one of them.')
    await this.read(exportAudit.ops(this.flags.format as 'csv' | 'jsonl', (chunk) => this.emit(chunk)))
  }
}
