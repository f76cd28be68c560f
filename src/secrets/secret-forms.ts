/**
 * The texts in which a secret value can appear once a protocol or a format has encoded it: what a gateway echoing a
 * request back (its Authorization header, its query, its JSON or XML body) would quote. Pure; scrub.ts uses it.
 */

/** Literal forms: the value itself, JSON-escaped (three common styles), URL- and form-encoded, XML/HTML-escaped. */
export function literalForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1)
  const forms = new Set([
    secret,
    json,
    json.replace(/\//g, '\\/'), // encoders that escape the solidus (PHP, some Java)
    json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), // ASCII-only JSON
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'), // application/x-www-form-urlencoded
    escapeXml(secret, true),
    escapeXml(secret, false), // text nodes need only & < > escaped
  ])
  // Longest first, so that a form containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length)
}

/**
 * Substrings that every base64 encoding containing the secret's bytes must contain, whatever came before it in the
 * encoded text: `Basic base64(id:secret)` puts the secret at any of three byte alignments. For each alignment, the
 * characters that depend only on the secret's own bytes; in the standard and the URL alphabet, and percent-encoded
 * (a Basic credential echoed in a query string).
 */
export function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const cores = new Set<string>()
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes])
    const encoded = padded.toString('base64')
    // Characters carrying any bit of the padding come first; the last ones may also carry bits of what follows.
    const skip = offset === 0 ? 0 : offset + 1
    const stable = Math.floor((padded.length * 8) / 6)
    const core = encoded.slice(skip, stable)
    for (const form of [core, core.replace(/\+/g, '-').replace(/\//g, '_')]) {
      cores.add(form)
      cores.add(encodeURIComponent(form))
    }
  }
  return [...cores]
}

/** Characters a base64 run (standard, URL-safe or percent-encoded) is made of: how far a redaction extends. */
export function isBase64Char(char: string): boolean {
  return /[A-Za-z0-9+/=_%-]/.test(char)
}

function escapeXml(text: string, quotes: boolean): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return quotes ? escaped.replace(/"/g, '&quot;').replace(/'/g, '&#39;') : escaped
}
