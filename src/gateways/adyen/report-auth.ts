import {requireSecret} from '../secret.js'
import type {ProviderConfig} from '../types.js'
import type {AdyenSettings} from './schema.js'

/**
 * How report downloads authenticate (docs/gateways.md#adyen-auth). Adyen's report user signs in with Basic auth
 * (`report@Company.YourCompany` and its password) or with an API key of a credential that has the report role:
 * - setting `report_user` + secret `report_password`: Basic auth;
 * - else secret `report_api_key`: X-API-Key;
 * - else the Checkout `api_key`, which downloads reports only when its credential has the report role too.
 */
export interface ReportCredential {
  headers: Record<string, string>
  /** What to check when Adyen refuses it. */
  hint: string
}

const ROLE = 'the Merchant Report role'

export function reportCredential(
  cfg: Pick<ProviderConfig<unknown>, 'providerId' | 'secrets' | 'missingSecret'>,
  settings: Pick<AdyenSettings, 'report_user'>,
): ReportCredential {
  if (settings.report_user) {
    const password = requireSecret(cfg, 'report_password')
    const basic = Buffer.from(`${settings.report_user}:${password}`, 'utf8').toString('base64')
    return {
      headers: {authorization: `Basic ${basic}`},
      hint: `Check the report_user setting and the report_password secret, and that the user has ${ROLE}.`,
    }
  }
  const reportKey = cfg.secrets.report_api_key
  if (reportKey) {
    return {headers: {'x-api-key': reportKey}, hint: `Check the report_api_key and that its credential has ${ROLE}.`}
  }
  return {
    headers: {'x-api-key': requireSecret(cfg, 'api_key')},
    hint: `Reports are downloaded with the api_key (no report_user or report_api_key is set): give its credential ${ROLE}, or set report_api_key, or report_user and report_password.`,
  }
}
