import {checkbox, input, password, select} from '@inquirer/prompts'
import {z} from 'zod'

import {GATEWAY_KINDS, type GatewayKind} from '../core/gateway-kind.js'
import type {GatewayAdapter} from '../gateways/types.js'
import {createSecretStore, envVarName, KeychainUnavailableError} from '../secrets/index.js'
import type {Db} from '../store/db.js'
import {listSites} from '../services/sites.js'
import {distinctSegments} from '../services/customers.js'

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
  db: Db,
  given: {providerId: string; kind?: string; sites?: string[]; segments?: string[]; settings: Record<string, string>},
  loadAdapter: (kind: GatewayKind) => Promise<GatewayAdapter>,
): Promise<WizardAnswers> {
  const kind = (given.kind as GatewayKind | undefined) ?? (await select({message: 'Gateway kind', choices: GATEWAY_KINDS.map((k) => ({value: k, name: k}))}, io))
  const adapter = await loadAdapter(kind)
  const knownSites = listSites(db).map((s) => s.id)
  const sites = given.sites ?? (knownSites.length > 0 ? await checkbox({message: 'Sites this connection serves', choices: knownSites.map((s) => ({value: s}))}, io) : [])
  const knownSegments = distinctSegments(db)
  const segments =
    given.segments ??
    (await checkbox({message: 'Customer segments it may write to (nothing selected = deny all)', choices: ['*', ...knownSegments].map((s) => ({value: s, name: s === '*' ? '* (every segment)' : s}))}, io))
  const settings = {...given.settings}
  for (const [name, optional] of settingFields(adapter.settingsSchema)) {
    if (settings[name] !== undefined) continue
    const value = await input({message: `Setting ${name}${optional ? ' (optional)' : ''}`, required: !optional}, io)
    if (value !== '') settings[name] = value
  }
  const secrets: Record<string, string> = {}
  const unavailable = keychainProblem(given.providerId, adapter.secretFields[0])
  if (unavailable) {
    process.stderr.write(`The OS keychain cannot store secrets here (${unavailable}).\nProvide them as ${adapter.secretFields.map((f) => envVarName(given.providerId, f)).join(', ')} instead.\n`)
    return {kind, sites, segments, settings, secrets}
  }
  for (const field of adapter.secretFields) {
    const value = await password({message: `Secret ${field} (stored in the OS keychain; empty to skip)`, mask: '*'}, io)
    if (value !== '') secrets[field] = value
  }
  return {kind, sites, segments, settings, secrets}
}

/** Setting names and whether each is optional, read from the adapter's schema (through any transform). */
/** Asks the keychain before the admin types any secret, so nobody types a key only to be told it cannot be kept. */
function keychainProblem(providerId: string, field: string | undefined): string | null {
  if (!field) return null
  try {
    createSecretStore({env: {}}).source(providerId, field)
    return null
  } catch (error) {
    return error instanceof KeychainUnavailableError ? error.reason : null
  }
}

function settingFields(schema: z.ZodType): Array<[string, boolean]> {
  while (schema instanceof z.ZodPipe) schema = schema.in as z.ZodType
  if (!(schema instanceof z.ZodObject)) return []
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => [name, field.safeParse(undefined).success])
}
