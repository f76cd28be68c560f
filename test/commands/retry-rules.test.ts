import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {noteDeclineCode} from '../../src/store/repos/decline-codes.js'
import {homeWrite} from '../helpers/home-ledger.js'
import {run, tempHome} from './helpers.js'
import {ErrorJson, Iso} from './shapes.js'

const Decision = z.enum(['retry', 'terminal', 'unknown'])
const Override = z.strictObject({
  kind: z.string(),
  code: z.string(),
  decision: Decision,
  note: z.string().nullable(),
  updatedAt: Iso,
  updatedBy: z.string(),
})
const Code = z.strictObject({
  provider: z.string(),
  kind: z.string(),
  code: z.string(),
  seen: z.number().int().positive(),
  unmapped: z.number().int().nonnegative(),
  adapter: z.strictObject({decision: Decision, basis: z.enum(['advice', 'table', 'unmapped'])}),
  override: Override.omit({kind: true, code: true}).nullable(),
  effective: Decision,
  lastMessage: z.string(),
  lastTxnId: z.string(),
  firstSeenAt: Iso,
  lastSeenAt: Iso,
})
const Codes = z.strictObject({
  codes: z.array(Code),
  overrides: z.array(Override),
  warnings: z.array(z.string()).optional(),
})
const OverrideResult = z.strictObject({
  kind: z.string(),
  code: z.string(),
  decision: Decision.nullable(),
  previous: Decision.nullable(),
  changed: z.boolean(),
  warnings: z.array(z.string()).optional(),
})
const Cap = z.strictObject({
  name: z.string(),
  value: z.string(),
  default: z.string(),
  description: z.string().min(1),
  set: z.strictObject({by: z.string(), at: Iso}).nullable(),
})
const Caps = z.strictObject({caps: z.array(Cap)})
const CapChange = z.strictObject({name: z.string(), value: z.string(), previous: z.string(), changed: z.boolean()})

describe('retry codes / retry caps', () => {
  const {home, cleanup} = tempHome()
  beforeAll(async () => {
    await homeWrite(
      home,
      (function* () {
        const seen = {provider: 'acme-stripe', kind: 'stripe', decision: 'terminal' as const, message: 'Declined'}
        yield* noteDeclineCode.ops(
          {...seen, code: 'brand_new', basis: 'unmapped', txnId: 'acme-stripe:ch_1'},
          '2026-01-01T00:00:00.000Z',
        )
        yield* noteDeclineCode.ops(
          {...seen, code: 'brand_new', basis: 'unmapped', txnId: 'acme-stripe:ch_2'},
          '2026-01-02T00:00:00.000Z',
        )
        yield* noteDeclineCode.ops(
          {...seen, code: 'insufficient_funds', basis: 'advice', decision: 'retry', txnId: 'acme-stripe:ch_3'},
          '2026-01-02T00:00:00.000Z',
        )
      })(),
    )
  })
  afterAll(() => cleanup())

  const json = async <T>(args: string[], shape: z.ZodType<T>, exit = 0): Promise<T> => {
    const r = await run([...args, '--json'], {home, env: {YMS_PAY_ACTOR: 'ops'}})
    expect(r.exitCode, r.stdout + r.stderr).toBe(exit)
    return shape.parse(r.json())
  }

  it('lists the codes seen, unmapped ones flagged; an override maps one; unset restores it', async () => {
    const before = await json(['retry', 'codes'], Codes)
    expect(before.codes.map((c) => [c.code, c.seen, c.unmapped, c.effective])).toEqual([
      ['brand_new', 2, 2, 'terminal'],
      ['insufficient_funds', 1, 0, 'retry'],
    ])
    expect((await json(['retry', 'codes', '--unmapped'], Codes)).codes.map((c) => c.code)).toEqual(['brand_new'])
    // status shows an admin what is waiting for a mapping.
    const status = await run(['status', '--json'], {home})
    expect(status.json<{unmappedDeclines: unknown}>().unmappedDeclines).toEqual({codes: 1, payments: 2})
    expect((await run(['status'], {home})).stdout).toMatch(
      /unmapped decline codes +1 \(2 failed payments, not retried\)/,
    )

    const set = await json(
      ['retry', 'codes', 'set', 'stripe', 'brand_new', '--decision', 'retry', '--note', 'soft'],
      OverrideResult,
    )
    expect(set).toMatchObject({decision: 'retry', previous: null, changed: true})
    const after = await json(['retry', 'codes'], Codes)
    expect(after.codes[0]).toMatchObject({
      code: 'brand_new',
      effective: 'retry',
      override: {decision: 'retry', note: 'soft', updatedBy: 'ops'},
    })
    expect((await json(['retry', 'codes', '--unmapped'], Codes)).codes).toEqual([])
    expect((await run(['status', '--json'], {home})).json<{unmappedDeclines: unknown}>().unmappedDeclines).toEqual({
      codes: 0,
      payments: 0,
    })
    expect(await json(['retry', 'codes', 'unset', 'stripe', 'brand_new'], OverrideResult)).toMatchObject({
      changed: true,
      previous: 'retry',
    })
    expect((await json(['retry', 'codes', '--unmapped'], Codes)).codes.map((c) => c.code)).toEqual(['brand_new'])
  })

  it('an override of a code never seen is kept and listed, with a warning about its spelling', async () => {
    const set = await json(['retry', 'codes', 'set', 'adyen', '27', '--decision', 'retry'], OverrideResult)
    expect(set.warnings?.[0]).toMatch(/no failed adyen payment has come with 27 yet/)
    expect((await json(['retry', 'codes'], Codes)).overrides.map((o) => [o.kind, o.code, o.decision])).toEqual([
      ['adyen', '27', 'retry'],
    ])
    const table = await run(['retry', 'codes'], {home})
    expect(table.stdout).toMatch(/overrides not seen yet/)
    expect(table.stdout).toMatch(/adyen:27/)
  })

  it('usage errors: an unknown kind, a decision that is none of the three', async () => {
    const kind = await json(['retry', 'codes', 'set', 'visa', 'x', '--decision', 'retry'], ErrorJson, 2)
    expect(kind.error).toMatchObject({message: 'unknown gateway kind "visa"', hint: expect.stringMatching(/stripe/)})
    await json(['retry', 'codes', 'set', 'stripe', 'x', '--decision', 'maybe'], ErrorJson, 2)
  })

  it('caps: the documented defaults, a change, a return to the default, and a refused value', async () => {
    const {caps} = await json(['retry', 'caps'], Caps)
    expect(caps.map((c) => [c.name, c.value])).toEqual([
      ['visa-category-1-codes', '04,07,12,14,15,41,43,46,57,R0,R1,R3'],
      ['visa-reattempts-30d', '15'],
      ['mastercard-stop-advice', '03,21'],
      ['mastercard-declines-24h', '10'],
      ['mastercard-declines-30d', '35'],
    ])
    expect(await json(['retry', 'caps', 'set', 'visa-reattempts-30d', '20'], CapChange)).toEqual({
      name: 'visa-reattempts-30d',
      value: '20',
      previous: '15',
      changed: true,
    })
    expect((await json(['retry', 'caps'], Caps)).caps[1]).toMatchObject({value: '20', set: {by: 'ops'}})
    expect(await json(['retry', 'caps', 'set', 'visa-reattempts-30d', 'default'], CapChange)).toMatchObject({
      value: '15',
    })
    const bad = await json(['retry', 'caps', 'set', 'mastercard-declines-24h', 'ten'], ErrorJson, 2)
    expect(bad.error.message).toMatch(/whole number/)
    const audit = await run(['audit', 'list', '--action', 'retry.*', '--json'], {home})
    expect(
      audit
        .json<{rows: {action: string; subject: string; actor: string}[]}>()
        .rows.map((a) => [a.action, a.subject, a.actor]),
    ).toEqual([
      ['retry.code_override', 'stripe:brand_new', 'ops'],
      ['retry.code_override_removed', 'stripe:brand_new', 'ops'],
      ['retry.code_override', 'adyen:27', 'ops'],
      ['retry.network_rule', 'visa-reattempts-30d', 'ops'],
      ['retry.network_rule', 'visa-reattempts-30d', 'ops'],
    ])
  })
})
