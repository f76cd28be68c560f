import {dual} from '../../store/ops/dual.js'
import {alertOnApply} from '../alerts/on-apply.js'
import type {ApplyEvent, ApplyReaction} from './apply-event.js'
import {noteDeclineCodes} from '../retry-rules/reaction.js'
import {retryReaction} from '../retry/reaction.js'
import type {ApplyScope} from './scope.js'

/**
 * Every reaction, one line per feature. A module list rather than a scope field: the page writer thread builds its
 * own scope from cloned data, and functions do not cross threads.
 */
const REACTIONS: readonly ApplyReaction[] = [
  alertOnApply.ops,
  noteDeclineCodes.ops,
  retryReaction.ops, // a failed payment worth retrying enters the queue; a retry's own payment settles its attempt
]

/** Runs every reaction in order; a reaction that throws rolls the whole page back, as any apply error does. */
export const react = dual(function* react(
  scope: ApplyScope,
  event: ApplyEvent,
  reactions: readonly ApplyReaction[] = REACTIONS,
) {
  for (const reaction of reactions) yield* reaction(scope, event)
})
