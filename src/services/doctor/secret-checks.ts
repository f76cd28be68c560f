import type {AppContext} from '../../app/context.js'
import {YmsError} from '../../core/errors.js'
import {createOsKeychain, KEYCHAIN_SERVICE, KeychainUnavailableError} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {listProviders} from '../providers.js'
import {fail, ok, warn, type DoctorCheck} from './check.js'

/** Whether the OS keychain answers. Unreachable is a warning: environment variables can stand in for it. */
export function checkKeychain(): DoctorCheck {
  try {
    createOsKeychain(KEYCHAIN_SERVICE).get('yms-pay-doctor/probe')
    return ok('keychain', 'the OS keychain is reachable')
  } catch (error) {
    if (!(error instanceof YmsError)) throw error
    return warn(
      'keychain',
      `the OS keychain is unreachable (${error instanceof KeychainUnavailableError ? error.reason : error.message})`,
      'Secrets must then come from YMS_PAY_SECRET_<PROVIDER>_<FIELD> variables; interactively, start and unlock a Secret Service (e.g. gnome-keyring) in a D-Bus session.',
    )
  }
}

/**
 * One check per provider: every secret its gateway needs can be read (environment first, then keychain). A missing
 * API secret is a failure for an enabled provider (its next sync fails); a missing webhook-only secret, or any
 * secret of a disabled provider, is a warning. Optional secrets (a fallback credential exists) are not required.
 */
export async function checkProviderSecrets(ledger: LedgerHandle, ctx: AppContext): Promise<DoctorCheck[]> {
  const providers = await listProviders(ledger, ctx)
  if (providers.length === 0)
    return [warn('providers', 'no providers configured', 'Add one with `yms-pay providers add`.')]
  return providers.map((p) => {
    const check = `secrets:${p.id}`
    const missing = p.secrets.filter((s) => s.use !== 'optional' && (s.source === null || s.source === 'unknown'))
    if (missing.length === 0)
      return ok(check, `${p.id}: ${p.secrets.map((s) => `${s.field} from ${s.source}`).join(', ')}`)
    const what = `${p.id}${p.enabled ? '' : ' (disabled)'}: ${missing.map((s) => (s.source === 'unknown' ? `${s.field} cannot be read (keychain unreachable)` : `${s.field} missing`)).join(', ')}`
    const hint = `Set ${missing.map((s) => s.envVar).join(', ')} or run \`yms-pay providers rotate-secret ${p.id}\`.`
    return p.enabled && missing.some((s) => s.use === 'api') ? fail(check, what, hint) : warn(check, what, hint)
  })
}
