import {describe, expect, it} from 'vitest'

import {ExitCode} from '../../../src/core/errors.js'
import type {ProviderRun} from '../../../src/services/sync/run-provider.js'
import {syncExitCode} from '../../../src/services/sync/exit-code.js'

const run = (provider: string, status: ProviderRun['status'], exitCode?: number): ProviderRun => ({
  provider,
  status,
  exitCode,
  pages: 0,
  durationMs: 1,
  fetched: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  quarantined: 0,
  skipped: 0,
  posted: 0,
})

describe('a one-shot sync’s exit code', () => {
  it('is 75 when every provider was another host’s, whether from the start or taken over mid-run', () => {
    expect(syncExitCode([run('a', 'skipped_locked')])).toBe(ExitCode.locked)
    // The lease lapsed and another host took it: the next page was refused with 75 (commit-page.ts renewLease).
    expect(syncExitCode([run('a', 'failed', ExitCode.locked), run('b', 'skipped_locked')])).toBe(ExitCode.locked)
  })

  it('is 4 when a provider taken over sits beside one that failed otherwise or succeeded', () => {
    expect(syncExitCode([run('a', 'failed', ExitCode.locked), run('b', 'failed', ExitCode.config)])).toBe(
      ExitCode.partial,
    )
    expect(syncExitCode([run('a', 'failed', ExitCode.locked), run('b', 'ok')])).toBe(ExitCode.partial)
  })

  it('keeps the shared config or auth code when every provider failed alike', () => {
    expect(syncExitCode([run('a', 'failed', ExitCode.auth), run('b', 'failed', ExitCode.auth)])).toBe(ExitCode.auth)
    expect(syncExitCode([run('a', 'ok'), run('b', 'stopped')])).toBe(ExitCode.locked)
    expect(syncExitCode([run('a', 'ok')])).toBe(ExitCode.ok)
  })
})
