/**
 * Where a provider's secret lives: the keychain account and the environment variable that overrides it.
 * Distinct ids can share a variable ("acme-stripe", "acme.stripe" and "ACME_STRIPE" all give ACME_STRIPE): the
 * providers service refuses a second provider whose variables would be another's (services/providers/checks.ts).
 */

export const KEYCHAIN_SERVICE = 'yms-pay'
const ENV_PREFIX = 'YMS_PAY_SECRET_'

/** `YMS_PAY_SECRET_<PROVIDER>_<FIELD>`: upper-cased, every character other than A-Z and 0-9 as `_`. */
export function envVarName(providerId: string, field: string): string {
  return `${ENV_PREFIX}${fold(providerId)}_${fold(field)}`
}

/**
 * Keychain account `<store id>/<providerId>/<field>`: one ledger's entries, never another home's (the store id is
 * generated once per ledger). The provider id is kept verbatim so the keychain UI shows the id the admin chose.
 */
export function keychainAccount(storeId: string, providerId: string, field: string): string {
  return `${storeId}/${providerId}/${field}`
}

/** The account before per-store names (`<providerId>/<field>`), shared by every home on the machine. */
export function legacyKeychainAccount(providerId: string, field: string): string {
  return `${providerId}/${field}`
}

/** The command that stores a secret in the keychain, for error messages. */
export function storeCommand(providerId: string, field: string): string {
  return `yms-pay providers rotate-secret ${providerId} --field ${field}`
}

// Replace before upper-casing: 'ß'.toUpperCase() is 'SS', which would smuggle letters into the name.
function fold(part: string): string {
  return part.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()
}
