import {relative} from 'node:path'

import fc from 'fast-check'
import {expect} from 'vitest'

/**
 * Every property test (fc.assert) in the suite, through vitest's setupFiles: a failure names its seed and path
 * (fast-check's own report) and the command that replays it, and YMS_FC_SEED replays a seed a CI run printed
 * without editing the test. A seed that found a bug then becomes a fixed case in the test:
 * `fc.assert(property, {seed, path})` beside the open-ended one (test/core/ledger.test.ts has one).
 */
const seed = process.env.YMS_FC_SEED
if (seed !== undefined && seed !== '') {
  const n = Number(seed)
  if (!Number.isSafeInteger(n)) throw new Error(`YMS_FC_SEED=${seed}: expected an integer seed`)
  fc.configureGlobal({seed: n})
}

const replayHint: fc.Plugin<unknown> = () => ({
  onAllRunsComplete(details: fc.RunDetails<unknown>) {
    if (!details.failed) return
    const state = expect.getState()
    const file = state.testPath ? relative(process.cwd(), state.testPath) : '<test file>'
    const name = state.currentTestName?.split(' > ').at(-1) ?? ''
    throw new Error(
      `${fc.defaultReportMessage(details) ?? 'property failed'}\n` +
        `Replay: YMS_FC_SEED=${details.seed} npx vitest run ${file} -t ${JSON.stringify(name)}\n` +
        `Pin it as a regression case: fc.assert(property, {seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath ?? '')}})`,
      {cause: details.errorInstance},
    )
  },
})
fc.installGlobalPlugin(replayHint)
