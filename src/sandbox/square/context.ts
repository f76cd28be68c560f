import type {Snapshots} from './snapshot.js'
import type {SquareWorld} from './world.js'

/** What a route reads: the account, its snapshots, and the time by the emulator's clock. */
export interface RouteContext {
  world: SquareWorld
  snapshots: Snapshots
  /** clock.now() as ISO-8601: objects created after it are not visible yet. */
  now(): string
}
