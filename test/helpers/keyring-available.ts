import {createRequire} from 'node:module'

export type SecretServiceStatus = {available: true} | {available: false; reason: string}

/**
 * Whether a real OS keychain accepts a write here, tried with a throwaway entry. A running Secret Service
 * without an unlocked collection answers searches but refuses writes, so only a write-read-delete proves it.
 */
export function secretServiceStatus(): SecretServiceStatus {
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) {
    return {
      available: false,
      reason:
        'no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset); run under dbus-run-session with gnome-keyring unlocked, as .ci/run does',
    }
  }
  try {
    const lib = createRequire(import.meta.url)('@napi-rs/keyring') as typeof import('@napi-rs/keyring')
    lib.findCredentials('yms-pay-test.probe')
    const entry = new lib.Entry('yms-pay-test.probe', `probe-${process.pid}`)
    entry.setPassword('probe')
    const back = entry.getPassword()
    entry.deletePassword()
    if (back !== 'probe') return {available: false, reason: 'the keychain accepted a write but did not return it'}
    return {available: true}
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0]
    return {available: false, reason: `no usable Secret Service: ${first}`}
  }
}
