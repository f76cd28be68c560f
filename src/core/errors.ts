/**
 * Typed errors. Every error a user can cause or fix carries its exit code and a hint saying what to do next;
 * the base command maps them to exit codes in one place. Messages must never contain secret values.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  attention: 3,
  partial: 4,
  locked: 75,
  auth: 77,
  config: 78,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export class YmsError extends Error {
  readonly exitCode: ExitCodeValue
  readonly code: string
  readonly hint?: string
  constructor(message: string, opts: {exitCode: ExitCodeValue; code: string; hint?: string; cause?: unknown}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause})
    this.name = new.target.name
    this.exitCode = opts.exitCode
    this.code = opts.code
    this.hint = opts.hint
  }
}

/** Bad flags, arguments or input values (exit 2). */
export class UsageError extends YmsError {
  constructor(message: string, hint?: string, code = 'usage') {
    super(message, {exitCode: ExitCode.usage, code, hint})
  }
}

/**
 * Something the admin must configure first: a missing secret, no enabled provider (exit 78). A name given on the
 * command line that matches nothing configured is a typo in that line, a UsageError (services/filter-names.ts).
 */
export class ConfigError extends YmsError {
  constructor(message: string, hint?: string, code = 'config_missing') {
    super(message, {exitCode: ExitCode.config, code, hint})
  }
}

/** Credentials refused by a gateway, or an access rule said no (exit 77). */
export class AuthError extends YmsError {
  constructor(message: string, hint?: string, code = 'auth_refused') {
    super(message, {exitCode: ExitCode.auth, code, hint})
  }
}

/** Money or currency input that cannot be represented exactly. */
export class MoneyError extends UsageError {
  constructor(message: string, hint?: string) {
    super(message, hint, 'invalid_money')
  }
}
