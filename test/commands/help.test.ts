import {afterAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {run, tempHome} from './helpers.js'
import {ErrorJson} from './shapes.js'

const Flag = z.strictObject({
  name: z.string(),
  char: z.string().nullable(),
  type: z.enum(['boolean', 'option']),
  description: z.string().nullable(),
  required: z.boolean(),
  multiple: z.boolean(),
  options: z.array(z.string()).nullable(),
  default: z.unknown(),
  global: z.boolean(),
})
const HelpJson = z.strictObject({
  bin: z.literal('yms-pay'),
  version: z.string(),
  commands: z.array(
    z.strictObject({
      id: z.string(),
      summary: z.string().nullable(),
      description: z.string().nullable(),
      json: z.boolean(),
      args: z.array(z.strictObject({name: z.string(), description: z.string().nullable(), required: z.boolean()})),
      flags: z.array(Flag),
      examples: z.array(z.string()),
    }),
  ),
})

describe('help --json', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('describes every command, and says which take --json: all but autocomplete (a shell script)', async () => {
    const r = await run(['help', '--json'], {home})
    expect(r.exitCode, r.stderr).toBe(0)
    const help = HelpJson.parse(r.json())
    const ids = help.commands.map((c) => c.id)
    for (const id of ['audit export', 'sandbox serve', 'help', 'sync', 'transactions list']) expect(ids).toContain(id)
    expect(help.commands.filter((c) => !c.json).map((c) => c.id)).toEqual(['autocomplete'])
  })

  it('help <command> --json: that command, its args and flags; help <topic> --json: the topic', async () => {
    const one = HelpJson.parse((await run(['help', 'fx', 'convert', '--json'], {home})).json()).commands
    expect(one.map((c) => c.id)).toEqual(['fx convert'])
    expect(one[0]!.args.map((a) => a.name)).toEqual(['amount', 'from', 'to'])
    expect(one[0]!.flags.find((f) => f.name === 'date')).toMatchObject({type: 'option', global: false})
    expect(one[0]!.flags.find((f) => f.name === 'home')).toMatchObject({global: true})
    expect(one[0]!.examples[0]).toMatch(/^yms-pay fx convert /)
    const topic = HelpJson.parse((await run(['help', 'fx', '--json'], {home})).json()).commands
    expect(topic.map((c) => c.id)).toEqual(['fx convert', 'fx import', 'fx list', 'fx set'])
  })

  it('an unknown command exits 2, as a JSON object under --json', async () => {
    const r = await run(['help', 'nope', '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toBe('help: no command or topic "nope"')
  })

  it('without --json it is the help text a person reads', async () => {
    const r = await run(['help', 'fx'], {home})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/fx convert +Convert an amount/)
  })
})
