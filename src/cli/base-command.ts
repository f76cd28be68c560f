import {Command, Flags, type Interfaces} from '@oclif/core'

import type {Db} from '../store/db.js'
import {type LedgerHandle, sqliteHandle} from '../store/ops/ledger-handle.js'
import type {Ops} from '../store/ops/op.js'
import {ConfigError, UsageError} from '../core/errors.js'
import type {AppContext} from '../app/context.js'
import type {PgLedger} from '../app/open-postgres.js'
import {toErrorReport} from '../app/error-report.js'
import {describeHome, resolveActor, resolveHome} from '../app/home.js'
import {type HomeAccess, homeAccess} from '../app/home-policy.js'
import {writeJson} from './json-output.js'
import {createRenderer, type Renderer} from './render.js'
import {decideTerminal} from '../app/terminal.js'
import {scrubSecrets} from '../secrets/scrub.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * One base for every command (after sf-plugins-core): --json via enableJsonFlag, the global flags, the single
 * error -> exit code mapping, the colour/TTY decision, and lazy access to the store and keychain.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    home: Flags.string({description: 'Data directory (default: XDG data dir). Env: YMS_PAY_HOME', helpGroup: 'GLOBAL'}),
    actor: Flags.string({
      description: 'Who is acting, for the audit log (default: OS user). Env: YMS_PAY_ACTOR',
      helpGroup: 'GLOBAL',
    }),
    'database-url': Flags.string({
      description:
        "Keep the ledger in PostgreSQL instead of the home's SQLite file: postgres://user@host:5432/database (no password in it: PGPASSWORD or ~/.pgpass; sslmode=verify-full across a network). Env: YMS_PAY_DATABASE_URL",
      helpGroup: 'GLOBAL',
    }),
    'no-color': Flags.boolean({
      description: 'Disable colour (also NO_COLOR, TERM=dumb, or when not a TTY)',
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  protected ui!: Renderer
  protected ctx!: AppContext
  private database: Db | undefined
  private postgres: PgLedger | undefined
  private readonly warnings: string[] = []

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    const terminal = decideTerminal({
      noColorFlag: Boolean(this.flags['no-color']),
      env: process.env,
      stdoutIsTty: Boolean(process.stdout.isTTY),
      stdinIsTty: Boolean(process.stdin.isTTY),
      stderrIsTty: Boolean(process.stderr.isTTY),
    })
    this.ui = await createRenderer(terminal.color && !this.jsonEnabled())
    const json = this.jsonEnabled()
    this.ctx = {
      home: resolveHome({
        flag: this.flags.home,
        env: process.env,
        xdgDataDir: this.config.dataDir,
        xdgConfigDir: this.config.configDir,
      }),
      actor: resolveActor({flag: this.flags.actor, env: process.env}),
      env: process.env,
      terminal,
      now: () => Date.now(),
      note: (message) => {
        if (!json) process.stderr.write(`${message}\n`)
      },
      warn: (raw) => {
        const message = scrubSecrets(raw)
        if (json) this.warnings.push(message)
        else process.stderr.write(`${this.ui.chalk.yellow('warning:')} ${message}\n`)
      },
    }
  }

  /** Under --json, the warnings a run raised travel in the result (an object result gains `warnings`). */
  protected override toSuccessJson(result: unknown): unknown {
    if (this.warnings.length === 0 || result === null || typeof result !== 'object' || Array.isArray(result))
      return result
    return {...result, warnings: [...this.warnings]}
  }

  /** --json output as plain JSON, streamed in chunks: oclif's colouriser fails on large values (json-output.ts). */
  protected override logJson(json: unknown): void {
    writeJson(json, (chunk) => process.stdout.write(chunk))
  }

  /**
   * The ledger database, opened (and migrated) on first use as the command's entry in app/home-policy.ts allows:
   * read-only for reports, and created only by the setup commands.
   */
  protected async db(): Promise<Db> {
    this.refuseDatabaseUrl()
    if (!this.database) {
      const access = this.homeAccess()
      if (access === 'none') throw new Error(`${this.id} opens no home through the base command`)
      const {openHome} = await import('../app/open-home.js')
      const {db, created} = openHome(this.ctx.home, access)
      if (created) this.ctx.note(`created a new yms-pay home at ${describeHome(this.ctx.home)}`)
      this.database = db
    }
    return this.database
  }

  /**
   * What this run may do with the home: its entry in app/home-policy.ts, unless the command's flags decide (a command
   * overrides this when one of its modes makes a home and another must find one).
   */
  protected homeAccess(): HomeAccess {
    return homeAccess(this.id)
  }

  /** For a command that works on the home's SQLite file only: refuses a PostgreSQL ledger named for this run. */
  protected refuseDatabaseUrl(): void {
    const url = this.databaseUrl()
    if (url === undefined) return
    throw new ConfigError(
      `\`yms-pay ${this.id?.replaceAll(':', ' ')}\` works on the home's SQLite file, and ${url.source} names a PostgreSQL ledger`,
      'Run it without --database-url (and YMS_PAY_DATABASE_URL) against a SQLite home.',
      'sqlite_only',
    )
  }

  /**
   * The ledger behind the engine-neutral handle services' statement generators run on (store/ops): the home's SQLite
   * file, opened as db() opens it.
   */
  protected async ledger(): Promise<LedgerHandle> {
    const url = this.databaseUrl()
    if (url === undefined) return sqliteHandle(await this.db())
    if (!this.postgres) {
      const access = this.homeAccess()
      if (access === 'none') throw new Error(`${this.id} opens no ledger through the base command`)
      const {openPgLedger} = await import('../app/open-postgres.js')
      this.postgres = await openPgLedger(url.text, url.source, {
        env: process.env,
        now: () => this.ctx.now(),
        create: access === 'create',
      })
    }
    return this.postgres.handle
  }

  /**
   * The PostgreSQL ledger named by --database-url, else YMS_PAY_DATABASE_URL; undefined for the home's SQLite file.
   * An empty value is refused rather than read as unset, as for --home: a cron line with a misspelt variable must
   * not quietly write to the laptop's file instead of the shared ledger.
   */
  protected databaseUrl(): {text: string; source: string} | undefined {
    const flag = this.flags['database-url']
    if (flag !== undefined) {
      if (flag.trim() === '')
        throw new UsageError('--database-url is empty', 'Pass a postgres:// URL, or leave the flag out.')
      return {text: flag, source: '--database-url'}
    }
    const env = process.env.YMS_PAY_DATABASE_URL
    if (env === undefined) return undefined
    if (env.trim() === '') {
      throw new ConfigError(
        'YMS_PAY_DATABASE_URL is set but empty',
        "Set it to a postgres:// URL, or unset it to use the home's SQLite file.",
        'database_url_empty',
      )
    }
    return {text: env, source: 'YMS_PAY_DATABASE_URL'}
  }

  /** body in one read snapshot of the ledger. */
  protected async read<R>(body: Ops<R>): Promise<R> {
    return (await this.ledger()).read(body)
  }

  /** body in one write transaction of the ledger. */
  protected async write<R>(body: Ops<R>): Promise<R> {
    return (await this.ledger()).write(body)
  }

  /** Fails with the flags to pass when a prompt would be needed but nobody can answer it. */
  protected requireInteractive(missing: string[]): void {
    if (!this.ctx.terminal.interactive) {
      throw new UsageError(
        `missing ${missing.join(', ')} and no terminal to ask (stdin is not a TTY or CI is set)`,
        `Pass ${missing.join(' ')} on the command line.`,
      )
    }
  }

  /** Human output (tables, lines); nothing under --json, where the returned object is the output. */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** Output that is the result itself in a machine format (CSV, Prometheus text, a streamed export), in every mode. */
  protected emit(text: string): void {
    process.stdout.write(text)
  }

  /** One JSON object per line (watch mode without a TTY, for log shippers). */
  protected jsonLine(value: object): void {
    process.stdout.write(`${JSON.stringify(value)}\n`)
  }

  /** A problem reported beside a result (e.g. one provider's error after the table): stderr. */
  protected problem(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /**
   * Prints the error once, as a person or a script reads it, with every secret this process read taken out: a
   * gateway that echoed the Authorization header into its error body must not put the key on stderr or stdout.
   */
  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    const raw = toErrorReport(err, {dbFile: this.ctx?.home.dbFile})
    const report = {...raw, message: scrubSecrets(raw.message), hint: raw.hint && scrubSecrets(raw.hint)}
    if (this.jsonEnabled()) {
      this.logJson({error: {code: report.code, message: report.message, hint: report.hint, exitCode: report.exitCode}})
    } else {
      const chalk = this.ui?.chalk
      const label = chalk ? chalk.red('Error:') : 'Error:'
      process.stderr.write(`${label} ${report.message}\n`)
      if (report.hint) process.stderr.write(`${report.hint}\n`)
      if (report.exitCode === 1 && process.env.DEBUG && err.stack) process.stderr.write(`${scrubSecrets(err.stack)}\n`)
    }
    process.exitCode = report.exitCode
    // Printed already: tell oclif's handler to exit with our code without printing again.
    const done = Object.assign(new Error(report.message), {
      code: report.code,
      hint: report.hint,
      exitCode: report.exitCode,
      oclif: {exit: report.exitCode},
      skipOclifErrorHandling: true,
    })
    throw done
  }

  protected override async finally(err: Error | undefined): Promise<unknown> {
    this.database?.close()
    this.database = undefined
    await this.postgres?.close().catch(() => undefined)
    this.postgres = undefined
    return super.finally(err)
  }
}
