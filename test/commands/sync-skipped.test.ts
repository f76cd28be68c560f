import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {keepSkipped} from '../../src/store/repos/skipped.js'
import {homeWrite} from '../helpers/home-ledger.js'
import {run, tempHome} from './helpers.js'
import {ErrorJson} from './shapes.js'

const Item = z.strictObject({
  id: z.number().int(),
  provider: z.string(),
  externalId: z.string().nullable(),
  code: z.string(),
  reason: z.string(),
  source: z.string(),
  seenCount: z.number().int().positive(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  raw: z.unknown().optional(),
})
const List = z.strictObject({items: z.array(Item)})

// What a sync skipped (Page.skipped), as the two gateway adapters that produce such objects would leave it.
describe('sync skipped', () => {
  const {home, cleanup} = tempHome()
  beforeAll(async () => {
    await homeWrite(
      home,
      (function* () {
        yield* keepSkipped.ops(
          [
            {
              provider: 'acme-paypal',
              externalId: '7XK01',
              code: 'T1110',
              reason: 'a hold for a dispute',
              rawJson: '{"id":"7XK01"}',
              source: 'pull',
            },
          ],
          '2026-01-01T00:00:00.000Z',
        )
        yield* keepSkipped.ops(
          [
            {
              provider: 'acme-adyen',
              externalId: null,
              code: 'Surprise',
              reason: 'unknown_code',
              rawJson: '{"Type":"Surprise"}',
              source: 'pull',
            },
          ],
          '2026-01-02T00:00:00.000Z',
        )
      })(),
    )
  })
  afterAll(() => cleanup())

  const list = async (flags: string[]) => {
    const r = await run(['sync', 'skipped', ...flags, '--json'], {home})
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    return List.parse(r.json()).items
  }

  it('lists what was skipped, most recently seen first, with code and reason; --raw adds the payload', async () => {
    expect((await list([])).map((s) => [s.provider, s.externalId, s.code, s.reason])).toEqual([
      ['acme-adyen', null, 'Surprise', 'unknown_code'],
      ['acme-paypal', '7XK01', 'T1110', 'a hold for a dispute'],
    ])
    expect((await list(['--raw', '--limit', '1']))[0]!.raw).toEqual({Type: 'Surprise'})
  })

  it.each([
    [['--reason', 'unknown_code'], ['Surprise']],
    [['--provider', 'acme-paypal'], ['T1110']],
    [['--code', 'T1110'], ['T1110']],
    [['--code', 'T0000'], []],
  ])('%j', async (flags, codes) => {
    expect((await list(flags)).map((s) => s.code)).toEqual(codes)
  })

  it('prints a table, and a usage error for a bad --limit', async () => {
    const table = await run(['sync', 'skipped'], {home})
    expect(table.stdout).toMatch(/T1110/)
    const bad = await run(['sync', 'skipped', '--limit', '0', '--json'], {home})
    expect(bad.exitCode).toBe(2)
    expect(ErrorJson.parse(bad.json()).error.message).toMatch(/--limit/)
  })
})
