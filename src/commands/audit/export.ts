import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {exportAudit} from '../../services/audit.js'

export default class AuditExport extends BaseCommand<typeof AuditExport> {
  static override summary = 'Write the whole audit log to stdout as CSV or JSON lines (streamed)'
  static override enableJsonFlag = false
  static override flags = {format: Flags.string({options: ['csv', 'jsonl'], default: 'jsonl'})}

  async run(): Promise<void> {
    exportAudit(await this.db(), this.flags.format as 'csv' | 'jsonl', (chunk) => this.emit(chunk))
  }
}
