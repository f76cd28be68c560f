import {describe, expect, it} from 'vitest'

import {providerHealth} from '../../src/core/health.js'

describe('provider health', () => {
  it('reads disabled, down, failing, degraded, ok and unknown from runs and the last hour of calls', () => {
    expect(providerHealth({enabled: false, lastRunStatus: 'failed', uptimePctLastHour: 0})).toBe('disabled')
    expect(providerHealth({enabled: true, lastRunStatus: 'ok', uptimePctLastHour: 0})).toBe('down')
    expect(providerHealth({enabled: true, lastRunStatus: 'failed', uptimePctLastHour: 100})).toBe('failing')
    expect(providerHealth({enabled: true, lastRunStatus: 'failed', uptimePctLastHour: null})).toBe('failing')
    expect(providerHealth({enabled: true, lastRunStatus: 'ok', uptimePctLastHour: 90})).toBe('degraded')
    expect(providerHealth({enabled: true, lastRunStatus: 'ok', uptimePctLastHour: 100})).toBe('ok')
    expect(providerHealth({enabled: true, lastRunStatus: 'ok', uptimePctLastHour: null})).toBe('ok')
    expect(providerHealth({enabled: true, lastRunStatus: null, uptimePctLastHour: null})).toBe('unknown')
  })
})
