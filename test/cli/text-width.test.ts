import {describe, expect, it} from 'vitest'

import {displayWidth, screenRows, stripAnsi, truncateTo} from '../../src/cli/text-width.js'

const red = (s: string) => `\u001B[31m${s}\u001B[39m`

describe('terminal text width', () => {
  it('counts columns, not code units: colour codes are free, CJK and emoji take two, combining marks none', () => {
    expect(displayWidth('abc')).toBe(3)
    expect(displayWidth(red('failed'))).toBe(6)
    expect(displayWidth('東京')).toBe(4)
    expect(displayWidth('e\u0301')).toBe(1)
    expect(displayWidth('😀')).toBe(2)
  })

  it('truncates to a width with an ellipsis, keeping colour codes closed', () => {
    expect(truncateTo('connection refused', 10)).toBe('connectio…')
    expect(displayWidth(truncateTo('connection refused', 10))).toBe(10)
    expect(truncateTo('short', 10)).toBe('short')
    const cut = truncateTo(red('connection refused'), 8)
    expect(stripAnsi(cut)).toBe('connect…')
    expect(cut.endsWith('\u001B[39m')).toBe(true)
    expect(displayWidth(truncateTo('東京都港区', 5))).toBeLessThanOrEqual(5)
  })

  it('counts the rows a block takes once long lines wrap', () => {
    expect(screenRows('a\nb', 80)).toBe(2)
    expect(screenRows('x'.repeat(80), 80)).toBe(1)
    expect(screenRows('x'.repeat(81), 80)).toBe(2)
    expect(screenRows(`${'x'.repeat(200)}\n\nend`, 80)).toBe(3 + 1 + 1)
    expect(screenRows('x'.repeat(200), undefined)).toBe(1)
  })
})
