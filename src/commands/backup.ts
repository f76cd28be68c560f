import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {backupLedger, type BackupResult, noFileToBackUp} from '../services/backup.js'

export default class Backup extends BaseCommand<typeof Backup> {
  static override summary = 'Copy the ledger to a file while yms-pay keeps running (SQLite online backup)'
  static override description =
    'The copy is a consistent snapshot even while a sync writes, one self-contained file readable only by its owner (0600), checked with SQLite integrity_check before it takes the name. An existing file is replaced only with --force. Works on a read-only home. To restore: stop yms-pay, move ledger.db and its -wal/-shm files aside, copy the backup to ledger.db. A ledger in PostgreSQL (--database-url) has no file to copy: back it up with pg_dump.'
  static override examples = [
    '<%= config.bin %> backup /backups/yms-pay/ledger-$(date +%F).db',
    '<%= config.bin %> backup ledger.bak --force --json',
  ]
  static override args = {file: Args.string({required: true, description: 'The backup file to write'})}
  static override flags = {force: Flags.boolean({description: 'Replace the file if it exists'})}

  async run(): Promise<BackupResult> {
    // Refused before connecting: a server that is down must not hide the advice to use pg_dump.
    if (this.databaseUrl() !== undefined) throw noFileToBackUp()
    const result = await backupLedger(await this.ledger(), this.args.file, {force: this.flags.force})
    const mb = (result.bytes / 1048576).toFixed(1)
    this.out(`backup ${result.file}: ${result.pages} pages, ${mb} MB in ${(result.durationMs / 1000).toFixed(1)} s`)
    return result
  }
}
