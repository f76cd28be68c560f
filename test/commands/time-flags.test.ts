import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {run, tempHome} from './helpers.js'
import {ErrorJson} from './shapes.js'

// Every flag that takes a time reads it through one parser (src/core/time-input.ts): the same forms are accepted
// and the same garbage is refused with exit 2 naming the flag, by every command.
describe('times on the command line, the same for every command', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  // Only set-up commands create a home: make the ledger first, so each command gets as far as reading its flag.
  beforeAll(async () => {
    expect((await run(['fx', 'set', 'EUR', 'GBP', '0.85', '--json'], {home})).exitCode).toBe(0)
  })

  const instantFlags = [
    ['audit', 'list', '--since'],
    ['transactions', 'list', '--since'],
    ['sync', '--since'],
  ]
  const dayFlags = [
    ['fx', 'set', 'EUR', 'USD', '1.1', '--date'],
    ['fx', 'convert', '1', 'EUR', 'USD', '--date'],
  ]

  it.each(
    instantFlags.flatMap((cmd) =>
      ['garbage', 'yesterday', '2026-02-30', '2026-03-01T25:00Z', '24 hours'].map((v) => [cmd, v]),
    ),
  )('%j %j exits 2 naming the flag', async (cmd, value) => {
    const r = await run([...(cmd as string[]), value as string, '--json'], {home})
    expect(r.exitCode, r.stdout).toBe(2)
    const {error} = ErrorJson.parse(r.json())
    expect(error.message).toBe(`--since ${JSON.stringify(value)}: not a time`)
    expect(error.hint).toMatch(/2026-03-01.*24h/)
  })

  it.each(dayFlags.flatMap((cmd) => ['tomorrow', '2026-02-30', '01.03.2026'].map((v) => [cmd, v])))(
    '%j %j exits 2 naming the flag',
    async (cmd, value) => {
      const r = await run([...(cmd as string[]), value as string, '--json'], {home})
      expect(r.exitCode, r.stdout).toBe(2)
      expect(ErrorJson.parse(r.json()).error.message).toBe(`--date ${JSON.stringify(value)}: not a calendar date`)
    },
  )

  it.each([
    ['audit', 'list'],
    ['transactions', 'list'],
  ])('%s %s --since takes an age, a date and a date-time with an offset', async (...cmd) => {
    for (const value of ['24h', '7d', '2026-03-01', '2026-03-01T12:00:00+02:00']) {
      const r = await run([...cmd, '--since', value, '--json'], {home})
      expect(r.exitCode, `${value}: ${r.stdout}`).toBe(0)
    }
  })
})
