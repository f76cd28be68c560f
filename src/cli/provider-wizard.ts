import {checkbox, input, password, select} from '@inquirer/prompts'

import type {GatewayKind} from '../gateways/registry.js'
import type {WizardSource} from '../services/providers.js'

export interface WizardAnswers {
  kind: GatewayKind
  sites: string[]
  segments: string[]
  settings: Record<string, string>
  secrets: Record<string, string>
}

// Prompts write to stderr so that stdout stays the command's result (a table or --json).
const io = {output: process.stderr}

/** Asks only for what the flags did not say. Every question here has a flag (see `providers add --help`). */
export async function askMissing(
  source: WizardSource,
  given: {kind?: GatewayKind; sites?: string[]; segments?: string[]; settings: Record<string, string>},
): Promise<WizardAnswers> {
  const kind =
    given.kind ??
    (await select({message: 'Gateway kind', choices: source.kinds.map((k) => ({value: k.kind, name: k.label}))}, io))
  const questions = await source.questionsFor(kind)
  const sites =
    given.sites ??
    (source.sites.length > 0
      ? await checkbox({message: 'Sites this connection serves', choices: source.sites.map((s) => ({value: s}))}, io)
      : [])
  const segments =
    given.segments ??
    (await checkbox(
      {
        message: 'Customer segments it may write to (nothing selected = deny all)',
        choices: ['*', ...source.segments].map((s) => ({value: s, name: s === '*' ? '* (every segment)' : s})),
      },
      io,
    ))
  const settings = {...given.settings}
  for (const setting of questions.settings) {
    if (settings[setting.name] !== undefined) continue
    const label = `Setting ${setting.name}${setting.description ? ` (${setting.description})` : ''}${setting.optional ? ', optional' : ''}`
    const value = await input({message: label, required: !setting.optional}, io)
    if (value !== '') settings[setting.name] = value
  }
  const secrets: Record<string, string> = {}
  if (questions.keychainProblem) {
    process.stderr.write(
      `The OS keychain cannot store secrets here (${questions.keychainProblem}).\nProvide them as ${questions.envVars.join(', ')} instead.\n`,
    )
    return {kind, sites, segments, settings, secrets}
  }
  for (const field of questions.secretFields) {
    const value = await password({message: `Secret ${field} (stored in the OS keychain; empty to skip)`, mask: '*'}, io)
    if (value !== '') secrets[field] = value
  }
  return {kind, sites, segments, settings, secrets}
}
