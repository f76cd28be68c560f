import {afterEach, describe, expect, it} from 'vitest'

import {renderStatus} from '../../../src/cli/status-view.js'
import {createRenderer} from '../../../src/cli/render.js'
import {flushAlerts} from '../../../src/services/alerts/flush.js'
import {raiseAlert} from '../../../src/services/alerts/raise.js'
import {getStatus} from '../../../src/services/status.js'
import {addStandardTarget, alertReceiver, alertsHome, secretOf} from './helpers.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

describe('status shows the alerts', () => {
  it('targets, what waits and since when, what was disabled', async () => {
    const h = alertsHome()
    const rx = await alertReceiver([secretOf(1)], () => ({status: 410}))
    cleanups.push(h.cleanup, rx.close)
    expect(getStatus(h.db, h.ctx).alerts).toEqual({
      targets: 0,
      disabled: [],
      pending: 0,
      oldestPendingAt: null,
      failed: 0,
    })
    await addStandardTarget(h, 'gone', rx.url, secretOf(1))
    await addStandardTarget(h, 'ops', 'http://127.0.0.1:9/closed', secretOf(2))
    const at = new Date(h.ctx.now() - 60_000).toISOString()
    raiseAlert(h.db, {event: 'gateway_down', subject: 'p', provider: 'p', data: {}, at})
    // "ops" refuses the connection (an attempt failed, still waiting); "gone" answers 410 and is disabled.
    await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store, timeoutMs: 500})
    const alerts = getStatus(h.db, h.ctx).alerts
    expect(alerts).toMatchObject({targets: 2, disabled: ['gone'], failed: 0})
    expect(alerts.pending).toBe(1)
    expect(alerts.oldestPendingAt).toBe(at)
    const text = renderStatus(getStatus(h.db, h.ctx), await createRenderer(false))
    expect(text).toMatch(/alerts\s+2 target\(s\); 1 waiting \(oldest raised .*ago\); disabled: gone \(alerts enable\)/)
  })
})
