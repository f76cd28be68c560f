import {BaseCommand} from '../cli/base-command.js'
import {ExitCode} from '../core/errors.js'
import {inspectPgLedger, runDoctor, type DoctorReport} from '../services/doctor.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Check the home: permissions, side files, schema, integrity, audit chain, keychain, secrets'
  static override description = `Each check is ok, warn or fail, with what to do when it is not ok. Changes nothing, and works on a read-only or broken home. Exit ${ExitCode.attention} when any check fails (warnings alone exit 0), so a daily cron job can alert on it. The integrity check reads the whole ledger (seconds for a large one). With --database-url (or YMS_PAY_DATABASE_URL) it checks that PostgreSQL ledger as found, without migrating it: the server answers, the schema, the audit chain, the keychain and the secrets; SQLite's file checks are n/a there.`
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json']

  async run(): Promise<DoctorReport> {
    const url = this.databaseUrl()
    let report: DoctorReport
    if (url === undefined) report = await runDoctor(this.ctx)
    else {
      const postgres = inspectPgLedger(url.text, url.source, this.ctx)
      try {
        report = await runDoctor(this.ctx, {postgres})
      } finally {
        await postgres.close()
      }
    }
    const paint = {
      ok: this.ui.chalk.green,
      warn: this.ui.chalk.yellow,
      fail: this.ui.chalk.red,
      'n/a': this.ui.chalk.cyan,
    }
    const width = Math.max(...report.checks.map((c) => c.check.length))
    this.out(`yms-pay doctor: ${report.home}`)
    for (const c of report.checks) {
      this.out(`${paint[c.status](c.status.padEnd(4))}  ${c.check.padEnd(width)}  ${c.message}`)
      if (c.hint) this.out(`${' '.repeat(width + 8)}${c.hint}`)
    }
    const {ok, warn, fail} = report.counts
    const na = report.checks.filter((c) => c.status === 'n/a').length
    this.out(
      `${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failure${fail === 1 ? '' : 's'}${na > 0 ? `, ${na} not applicable` : ''}`,
    )
    if (!report.ok) process.exitCode = ExitCode.attention
    return report
  }
}
