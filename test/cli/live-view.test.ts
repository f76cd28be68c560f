import {describe, expect, it} from 'vitest'

import {createLiveView} from '../../src/cli/live-view.js'
import {createRenderer} from '../../src/cli/render.js'
import {displayWidth} from '../../src/cli/text-width.js'
import type {ProviderRun} from '../../src/services/sync/run-provider.js'
import {fakeTerminal} from './fake-terminal.js'

const counts = {fetched: 100, inserted: 90, updated: 5, unchanged: 5, quarantined: 0, posted: 180, skipped: 0}
const failed = (provider: string): ProviderRun => ({
  provider,
  status: 'failed',
  pages: 3,
  durationMs: 1200,
  error: `HTTP 503 from the gateway after 3 attempts: ${'upstream connect error or disconnect/reset before headers '.repeat(2)}`,
  exitCode: 4,
  ...counts,
})

describe('sync --watch live table on a TTY (cli/live-view.ts)', () => {
  it.each([80, 100, 140])(
    'at %i columns each redraw replaces the last: one table on the screen, no line wider',
    async (columns) => {
      const term = fakeTerminal(columns)
      // As the command creates it: a renderer for stdout, which the live view fits to its own stream.
      const live = createLiveView(await createRenderer(false, undefined), term, {})
      for (let i = 0; i < 5; i++) {
        for (const p of ['acme-stripe-eu', 'acme-braintree-us', 'acme-paypal-global'])
          live.page({provider: p, counts, hasMore: i < 4})
        live.run(failed('acme-braintree-us'))
      }
      const screen = term.lines()
      expect(screen.filter((l) => /\bprovider\b/.test(l))).toHaveLength(1)
      expect(screen.filter((l) => l.includes('acme-braintree-us'))).toHaveLength(1)
      expect(Math.max(...screen.map(displayWidth))).toBeLessThanOrEqual(columns)
      live.done()
    },
  )

  it('a table wider than the screen (a kept id) is still erased whole: wrapped rows are counted', async () => {
    const term = fakeTerminal(30)
    const live = createLiveView(await createRenderer(false, undefined), term, {})
    const long = `provider-with-a-very-long-id-${'x'.repeat(40)}`
    for (let i = 0; i < 3; i++) live.page({provider: long, counts, hasMore: true})
    expect(term.lines().filter((l) => l.startsWith('provider '))).toHaveLength(1)
  })

  // Widening: every terminal keeps rows that fit as they are. (Narrowing depends on whether the terminal reflows;
  // the count assumes it does, as tmux, VTE, iTerm2 and Windows Terminal do.)
  it('a resize redraws at the new width; done({erase}) leaves the screen as it was', async () => {
    const term = fakeTerminal(80)
    const listeners: Array<() => void> = []
    const stream = Object.assign(term, {
      on: (_: 'resize', l: () => void) => listeners.push(l),
      off: (_: 'resize', l: () => void) => listeners.splice(listeners.indexOf(l), 1),
    })
    term.write('before\n')
    const live = createLiveView(await createRenderer(false, undefined), stream, {})
    live.page({provider: 'acme', counts, hasMore: true})
    live.run(failed('acme'))
    const narrow = term.lines().find((l) => l.includes('failed'))!
    Object.assign(term, {columns: 140})
    for (const l of listeners) l()
    expect(term.lines().filter((l) => /\bprovider\b/.test(l))).toHaveLength(1)
    expect(displayWidth(term.lines().find((l) => l.includes('failed'))!)).toBeGreaterThan(displayWidth(narrow))
    live.done({erase: true})
    expect(term.lines()).toEqual(['before'])
    expect(listeners).toHaveLength(0)
  })
})
