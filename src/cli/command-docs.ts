import type {Command} from '@oclif/core'

/** One command as `help --json` describes it: what a script needs to call it, from the same manifest as --help. */
export interface CommandDoc {
  id: string
  summary: string | null
  description: string | null
  /** Whether the command takes --json. */
  json: boolean
  args: Array<{name: string; description: string | null; required: boolean}>
  flags: Array<{
    name: string
    char: string | null
    type: 'boolean' | 'option'
    description: string | null
    required: boolean
    multiple: boolean
    options: string[] | null
    default: unknown
    global: boolean
  }>
  examples: string[]
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null)

export function describeCommand(command: Command.Loadable, bin: string, separator: string): CommandDoc {
  const render = (s: string) => s.replaceAll('<%= config.bin %>', bin)
  return {
    id: command.id.replaceAll(':', separator),
    summary: text(command.summary),
    description: text(command.description),
    json: Boolean(command.enableJsonFlag),
    args: Object.values(command.args ?? {}).map((a) => ({
      name: a.name,
      description: text(a.description),
      required: Boolean(a.required),
    })),
    flags: Object.values(command.flags ?? {})
      .filter((f) => !f.hidden)
      .map((f) => ({
        name: f.name,
        char: f.char ?? null,
        type: f.type,
        description: text(f.description),
        required: Boolean(f.required),
        multiple: f.type === 'option' && Boolean(f.multiple),
        options: f.type === 'option' && f.options ? [...f.options] : null,
        default: typeof f.default === 'function' ? null : (f.default ?? null),
        global: f.helpGroup === 'GLOBAL',
      })),
    examples: (command.examples ?? []).map((e) => render(typeof e === 'string' ? e : e.command)),
  }
}

/**
 * The commands a `help` argument names: one command ("audit list"), every command of a topic ("audit"), or
 * every command when there is none. Hidden commands stay hidden.
 */
export function selectCommands(all: readonly Command.Loadable[], words: string[]): Command.Loadable[] {
  const visible = all.filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id))
  if (words.length === 0) return visible
  const id = words.join(':')
  const exact = visible.filter((c) => c.id === id)
  return exact.length > 0 ? exact : visible.filter((c) => c.id.startsWith(`${id}:`))
}
