import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../core/errors.js'
import {verifyAudit} from '../../services/audit.js'
import {assertIntact} from '../../services/integrity.js'

export default class AuditVerify extends BaseCommand<typeof AuditVerify> {
  static override summary = 'Recompute the audit hash chain; exit 1 naming the first broken row'

  async run(): Promise<ReturnType<typeof verifyAudit>> {
    const ledger = await this.ledger()
    // A chain read from a damaged file proves nothing: SQLite's integrity check first (exit 78 naming the file).
    // PostgreSQL's server checks its own pages as it reads them.
    if (ledger.db) assertIntact(ledger.db)
    const result = await ledger.read(verifyAudit.ops())
    if (result.ok) {
      this.out(`audit chain intact: ${result.rows} rows`)
    } else {
      this.problem(`audit chain BROKEN at row seq ${result.seq}: ${result.reason}`)
      process.exitCode = ExitCode.internal
    }
    return result
  }
}
