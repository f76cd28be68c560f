import {z} from 'zod'

import {GATEWAY_KINDS, gatewayFacts, type GatewayKind, loadAdapter} from '../../gateways/registry.js'
import {KeychainUnavailableError, type SecretStore} from '../../secrets/index.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {distinctSegments} from '../customers.js'
import {listSites} from '../sites.js'

/** What the `providers add` wizard may offer, so that the prompts themselves hold no look-ups. */
export interface WizardSource {
  kinds: Array<{kind: GatewayKind; label: string}>
  sites: string[]
  segments: string[]
  questionsFor(kind: GatewayKind): Promise<KindQuestions>
}

export interface KindQuestions {
  settings: Array<{name: string; optional: boolean; description: string}>
  secretFields: readonly string[]
  /** Why the OS keychain cannot keep secrets here (asked before anyone types one), or null. */
  keychainProblem: string | null
  envVars: string[]
}

/** `keychainOnly` is the ledger's secret store without the environment, which would answer for a keychain that cannot store anything. */
export const buildWizardSource = dual(function* buildWizardSource(
  providerId: string,
  keychainOnly: SecretStore,
): Ops<WizardSource> {
  const sites = (yield* listSites.ops()).map((s) => s.id)
  const segments = yield* distinctSegments.ops()
  return {
    kinds: GATEWAY_KINDS.map((kind) => ({kind, label: gatewayFacts(kind).label})),
    sites,
    segments,
    async questionsFor(kind) {
      const adapter = await loadAdapter(kind)
      const described = adapter.settings
      return {
        settings: settingFields(adapter.settingsSchema).map(([name, optional]) => ({
          name,
          optional,
          description: described[name] ?? '',
        })),
        secretFields: adapter.secretFields,
        keychainProblem: keychainProblem(keychainOnly, providerId, adapter.secretFields[0]),
        envVars: adapter.secretFields.map((f) => keychainOnly.envVarName(providerId, f)),
      }
    },
  }
})

function keychainProblem(secrets: SecretStore, providerId: string, field: string | undefined): string | null {
  if (!field) return null
  try {
    secrets.source(providerId, field)
    return null
  } catch (error) {
    return error instanceof KeychainUnavailableError ? error.reason : null
  }
}

/** Setting names and whether each is optional, read from the adapter's schema (through any transform). */
function settingFields(schema: z.ZodType): Array<[string, boolean]> {
  while (schema instanceof z.ZodPipe) schema = schema.in as z.ZodType
  if (!(schema instanceof z.ZodObject)) return []
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => [
    name,
    field.safeParse(undefined).success,
  ])
}
