/**
 * Terminal facts decided once per process: whether we may colour and whether we may prompt.
 * chalk 5 ignores NO_COLOR and cli-table3 colours headers even when piped, so both take their cue from here.
 */
export interface TerminalFacts {
  color: boolean
  /** A person is at the keyboard: stdin and stderr are TTYs and no CI variable is set. */
  interactive: boolean
  stdoutIsTty: boolean
}

export function decideTerminal(opts: {
  noColorFlag: boolean
  env: NodeJS.ProcessEnv
  stdoutIsTty: boolean
  stdinIsTty: boolean
  stderrIsTty: boolean
}): TerminalFacts {
  const {env} = opts
  const colorRefused = opts.noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb'
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
  return {
    color: !colorRefused && opts.stdoutIsTty,
    interactive: opts.stdinIsTty && opts.stderrIsTty && !ci,
    stdoutIsTty: opts.stdoutIsTty,
  }
}
