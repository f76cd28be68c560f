import type {HomeDirs} from './home.js'
import type {TerminalFacts} from './terminal.js'

/**
 * What a service needs from the process it runs in. Commands build it; services never read process.* themselves,
 * so they run the same under tests, cron and the demo.
 */
export interface AppContext {
  home: HomeDirs
  actor: string
  env: NodeJS.ProcessEnv
  terminal: TerminalFacts
  now(): number
  /** Progress and warnings for a person (stderr); silent in --json mode. */
  note(message: string): void
}
