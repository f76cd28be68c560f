import {describe, expect, it} from 'vitest'

import {createRenderer, terminalColumns} from '../../src/cli/render.js'
import {displayWidth} from '../../src/cli/text-width.js'

const widest = (text: string) => Math.max(...text.split('\n').map(displayWidth))

// A status-like table: an id to keep, short state, a long message, counts that may go.
const head = [
  {name: 'provider'},
  {name: 'kind', drop: 1},
  {name: 'health'},
  {name: 'last error', min: 16},
  {name: 'failures 24h', drop: 2},
]
const rows = [
  ['acme-braintree-eu', 'braintree', 'failing', `3h ago: ${'connection refused by the gateway '.repeat(3)}`, 2],
  ['acme-stripe', 'stripe', 'ok', '', 0],
]

describe('tables fit the terminal (cli/render.ts)', () => {
  it('without a width (not a terminal) a table is as wide as its cells, with nothing cut', async () => {
    const ui = await createRenderer(false, undefined)
    const text = ui.table(head, rows)
    expect(text).toContain(rows[0]![3])
    expect(text).not.toMatch(/to fit/)
  })

  it.each([200, 140, 120, 100, 90, 80, 70, 60, 50, 40, 32])('at %i columns no line is wider', async (width) => {
    const ui = await createRenderer(false, width)
    const text = ui.table(head, rows)
    expect(widest(text)).toBeLessThanOrEqual(width)
    expect(text).toContain('acme-braintree-eu') // the id is never cut
  })

  it('cuts the widest cell first and says so, keeping the columns while cut cells fit', async () => {
    const text = (await createRenderer(false, 100)).table(head, rows)
    expect(text).toMatch(/│ kind +│/)
    expect(text).toMatch(/3h ago: connection refused.*…/)
    expect(text.split('\n').at(-1)).toBe('(… marks cut text to fit 100 columns: --json has every value)')
  })

  it('leaves out droppable columns, lowest first, before cutting below a minimum', async () => {
    const seventy = (await createRenderer(false, 70)).table(head, rows)
    expect(seventy).not.toMatch(/│ kind/)
    expect(seventy).toMatch(/│ failures 24h/)
    expect(seventy).toMatch(/\(kind left out; … marks cut text to fit 70 columns: --json has every\nvalue\)$/)
    const sixty = (await createRenderer(false, 60)).table(head, rows)
    expect(sixty).not.toMatch(/│ (kind|failures)/)
    expect(sixty).toMatch(/│ 3h ago: connection refuse… │/)
  })

  it('turns to one record per block when no table fits, never cutting a kept value', async () => {
    const text = (await createRenderer(false, 30)).table(head, rows)
    expect(text).toMatch(/^provider {6}acme-braintree-eu$/m)
    expect(text).toMatch(/^last error {4}3h ago: connect…$/m)
    expect(text).toContain('\n\nprovider      acme-stripe')
    // Only the kept id may be wider than the screen (the terminal wraps it); every other line fits.
    const over = text.split('\n').filter((line) => displayWidth(line) > 30)
    expect(over).toEqual(['provider      acme-braintree-eu'])
  })

  it('keeps a row on one line: a newline inside a cell becomes a space', async () => {
    const text = (await createRenderer(false, undefined)).table(['id', 'detail'], [['x', 'line one\nline two']])
    expect(text).toContain('line one line two')
  })

  it('reads the width from COLUMNS, else from a terminal stdout, else none', () => {
    expect(terminalColumns({isTTY: true, columns: 120}, {COLUMNS: '80'})).toBe(80)
    expect(terminalColumns({isTTY: true, columns: 120}, {})).toBe(120)
    expect(terminalColumns({isTTY: false}, {})).toBeUndefined()
    expect(terminalColumns({isTTY: false}, {COLUMNS: 'wide'})).toBeUndefined()
  })
})
