import {createPublicKey, createSign, createVerify, type KeyObject, X509Certificate} from 'node:crypto'
import {crc32} from 'node:zlib'

/**
 * PayPal's webhook signature, verified offline (docs/gateways.md#paypal-webhooks; paypal/rest-api-sdk-nodejs
 * lib/resources/Notification.js): RSA-SHA256 over `${transmission_id}|${transmission_time}|${webhook_id}|${crc32(raw
 * body)}`, the CRC32 of the raw body bytes written as an unsigned decimal, signature base64 in PAYPAL-TRANSMISSION-SIG.
 */
export const AUTH_ALGO = 'SHA256withRSA'

export const HEADERS = {
  algo: 'paypal-auth-algo',
  certUrl: 'paypal-cert-url',
  id: 'paypal-transmission-id',
  sig: 'paypal-transmission-sig',
  time: 'paypal-transmission-time',
} as const

export function signedMessage(
  transmissionId: string,
  transmissionTime: string,
  webhookId: string,
  rawBody: Buffer | string,
): string {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody
  // zlib.crc32 returns the unsigned value already; `>>> 0` keeps that true whatever the platform does.
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(body) >>> 0}`
}

export function signMessage(message: string, privateKey: KeyObject | string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKey, 'base64')
}

/**
 * A verification key from PEM: an X.509 certificate (what PayPal serves at cert_url) or a bare public key (what
 * the sandbox emulator serves, since node:crypto cannot mint certificates). Throws on anything else.
 */
export function publicKeyFromPem(pem: string): KeyObject {
  if (pem.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(pem).publicKey
  return createPublicKey(pem)
}

export function verifyMessage(message: string, signatureBase64: string, key: KeyObject): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureBase64.trim())) return false
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(key, signatureBase64.trim(), 'base64')
  } catch {
    return false
  }
}
