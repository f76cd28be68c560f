import {Flags} from '@oclif/core'

import type {HomeAccess} from '../../app/home-policy.js'
import {BaseCommand} from '../../cli/base-command.js'
import {copyProgressLine} from '../../cli/copy-progress.js'
import {copyLedgerFromPostgres, type StoreCopyBackView} from '../../services/store-copy/from-postgres.js'
import {copyLedgerToPostgres, type StoreCopyView} from '../../services/store-copy/to-postgres.js'

export default class StoreCopy extends BaseCommand<typeof StoreCopy> {
  static override summary =
    "Copy the home's SQLite ledger into an empty PostgreSQL database (--to) or back (--from), and check the copy"
  static override description =
    "Every table, ids and store id included (the copied providers find their keychain secrets), from one snapshot of the source (a sync may run meanwhile), in one transaction on the target: committed only after the audit chain verifies on the target, every table has as many rows as the source, and every balance equals the source's and the sum of its postings; otherwise nothing is committed (exit 3). The target must hold no ledger rows: two ledgers are never merged (exit 2). --to: the home's ledger into a PostgreSQL database, migrated first. --from: a PostgreSQL ledger (migrated as any command's --database-url is) into the home, which is made when missing, as the setup commands make one; the home is opened only once the source is reached, so a failed connection leaves no home behind. The password never goes in the URL (exit 2): set PGPASSWORD or use ~/.pgpass; PGHOST, PGPORT, PGUSER and PGDATABASE fill what the URL leaves out. sslmode (in the URL, or PGSSLMODE) means what it means to libpq: disable, prefer, require (encrypted, certificate not checked), verify-ca (needs sslrootcert=<file>), verify-full. Exit 75 when the server cannot be reached, 77 when it refuses the login, 78 when the database is missing. The copy is recorded in the source's audit log (store.copy: the PostgreSQL host and database, or the machine and file; never credentials)."
  static override examples = [
    'PGPASSWORD=… <%= config.bin %> store copy --to "postgres://yms@db.example.com:5432/yms_pay?sslmode=verify-full"',
    '<%= config.bin %> store copy --to postgres://yms@localhost/yms_pay --json',
    'PGPASSWORD=… <%= config.bin %> store copy --from "postgres://yms@db.example.com:5432/yms_pay?sslmode=verify-full" --home ./yms-local',
  ]
  static override flags = {
    to: Flags.string({
      description: 'The PostgreSQL database to copy into, as postgres://user@host:port/database (no password)',
      exactlyOne: ['to', 'from'],
    }),
    from: Flags.string({
      description:
        'The PostgreSQL ledger to copy from into the home (new, or without ledger rows), as postgres://user@host:port/database (no password)',
      exactlyOne: ['to', 'from'],
    }),
  }

  // --from fills a home, so it may make one; --to reads the home's ledger, which must exist.
  protected override homeAccess(): HomeAccess {
    return this.flags.from === undefined ? super.homeAccess() : 'create'
  }

  async run(): Promise<StoreCopyView | StoreCopyBackView> {
    // Before anything connects: the home's file is one end of either direction.
    this.refuseDatabaseUrl()
    const line = process.stderr.isTTY && !this.jsonEnabled() ? copyProgressLine(process.stderr) : undefined
    let result: StoreCopyView | StoreCopyBackView
    try {
      result =
        this.flags.from === undefined
          ? await copyLedgerToPostgres(await this.db(), this.ctx, this.flags.to!, line?.update)
          : await copyLedgerFromPostgres(() => this.db(), this.ctx, this.flags.from, line?.update)
    } finally {
      line?.done()
    }
    const {source, target, checks} = result
    const pgLabel = (p: {user: string; host: string; port: number; database: string}) =>
      `postgres ${p.user}@${p.host}:${p.port}/${p.database}`
    const from = source.kind === 'sqlite' ? source.file : pgLabel(source)
    const into = target.kind === 'sqlite' ? target.file : pgLabel(target)
    this.out(
      `copied ${from} into ${into}: ` +
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
