/**
 * Where a gateway's credentials may be sent: https anywhere; plain http only to this machine (loopback: 127.0.0.0/8,
 * ::1, localhost), where a sandbox emulator listens and nothing crosses a network. Everything else would carry the
 * API key in clear text. Used when a URL is configured (a usage error) and by the HTTP client before every request.
 */

/** Why credentials must not travel to `url`, or null when they may. */
export function cleartextProblem(url: URL): string | null {
  if (url.protocol === 'https:') return null
  if (url.protocol !== 'http:') return `${url.protocol.replace(/:$/, '')} is not http(s)`
  if (isLoopbackHost(url.hostname)) return null
  return `plain http to ${url.hostname} would carry the credentials in clear text; use https (plain http is allowed only to this machine: 127.0.0.0/8, ::1, localhost)`
}

/** The WHATWG parser has normalised the host already: IPv4 in dotted decimal, IPv6 compressed in brackets. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (host === 'localhost' || host === '::1') return true
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true
  // ::ffff:127.x.y.z, which the parser writes as ::ffff:7fxx:yyzz
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)
}

/** A user name or password in the URL (`https://user:pw@host`, `https://token@host`). */
export function hasUserInfo(url: URL): boolean {
  return url.username !== '' || url.password !== ''
}

/** The URL with any user name and password shown as `***`, for display. Text that is not a URL comes back as is. */
export function maskUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@')
}
