import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {copyProgressLine} from '../../cli/copy-progress.js'
import {copyLedgerToPostgres, type StoreCopyView} from '../../services/store-copy/to-postgres.js'

export default class StoreCopy extends BaseCommand<typeof StoreCopy> {
  static override summary = "Copy the home's SQLite ledger into an empty PostgreSQL database, and check the copy"
  static override description =
    "Every table, ids and store id included (the copied providers find their keychain secrets), from one snapshot of the ledger (a sync may run meanwhile), in one PostgreSQL transaction: committed only after the audit chain verifies on the target, every table has as many rows as the source, and every balance equals the source's and the sum of its postings; otherwise nothing is committed (exit 3). The target is migrated first and must hold no ledger rows: two ledgers are never merged (exit 2). The password never goes in the URL (exit 2): set PGPASSWORD or use ~/.pgpass; PGHOST, PGPORT, PGUSER and PGDATABASE fill what the URL leaves out. sslmode (in the URL, or PGSSLMODE) means what it means to libpq: disable, prefer, require (encrypted, certificate not checked), verify-ca (needs sslrootcert=<file>), verify-full. Exit 75 when the server cannot be reached, 77 when it refuses the login, 78 when the database is missing. The copy is recorded in the source's audit log (store.copy, host and database only)."
  static override examples = [
    'PGPASSWORD=… <%= config.bin %> store copy --to "postgres://yms@db.example.com:5432/yms_pay?sslmode=verify-full"',
    '<%= config.bin %> store copy --to postgres://yms@localhost/yms_pay --json',
  ]
  static override flags = {
    to: Flags.string({
      required: true,
      description: 'The PostgreSQL database to copy into, as postgres://user@host:port/database (no password)',
    }),
  }

  async run(): Promise<StoreCopyView> {
    const line = process.stderr.isTTY && !this.jsonEnabled() ? copyProgressLine(process.stderr) : undefined
    let result: StoreCopyView
    try {
      result = await copyLedgerToPostgres(await this.db(), this.ctx, this.flags.to, line?.update)
    } finally {
      line?.done()
    }
    const {target, checks} = result
    this.out(
      `copied ${result.source.file} into postgres ${target.user}@${target.host}:${target.port}/${target.database}: ` +
        `${result.rows} rows in ${result.tables.length} tables, store id ${result.storeId}, schema ${result.schemaVersion}, ` +
        `${(result.durationMs / 1000).toFixed(1)} s`,
    )
    this.out(
      this.ui.table(
        ['table', 'rows'],
        result.tables.map((t) => [t.name, t.rows]),
      ),
    )
    this.out(
      `checked on the target before commit: row counts equal in ${checks.rowCounts} tables; audit chain verifies ` +
        `(${checks.auditChain} rows); ${checks.balances} balances equal the source's and the sum of their postings`,
    )
    return result
  }
}
