import {Args, Flags, loadHelpClass} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {type CommandDoc, describeCommand, selectCommands} from '../cli/command-docs.js'
import {UsageError} from '../core/errors.js'

/**
 * Replaces @oclif/plugin-help's `help` (the root plugin's command wins) so that it takes --json like every other
 * command: the same text for a person, and for a script the commands with their args and flags as JSON.
 */
export default class Help extends BaseCommand<typeof Help> {
  static override summary = 'Display help for yms-pay, a topic or a command (--json: the commands, args and flags)'
  static override strict = false
  static override args = {command: Args.string({description: 'Command or topic to show help for', required: false})}
  static override flags = {
    'nested-commands': Flags.boolean({char: 'n', description: 'Include all nested commands in the output'}),
  }
  static override examples = ['<%= config.bin %> help sync', '<%= config.bin %> help providers --json']

  async run(): Promise<{bin: string; version: string; commands: CommandDoc[]} | undefined> {
    const words = (await this.parse(Help)).argv as string[]
    const commands = selectCommands(this.config.commands, words)
    if (commands.length === 0)
      throw new UsageError(`help: no command or topic "${words.join(' ')}"`, 'See them all with `yms-pay help`.')
    if (!this.jsonEnabled()) {
      const HelpClass = await loadHelpClass(this.config)
      await new HelpClass(this.config, {all: this.flags['nested-commands']}).showHelp(words)
      return undefined
    }
    const separator = this.config.topicSeparator
    return {
      bin: this.config.bin,
      version: this.config.version,
      commands: commands.map((c) => describeCommand(c, this.config.bin, separator)),
    }
  }
}
