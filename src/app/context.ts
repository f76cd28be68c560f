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
  /** Progress for a person (stderr); silent in --json mode. */
  note(message: string): void
  /** Something the user should act on: stderr for a person, the `warnings` array of the --json result. */
  warn(message: string): void
}
