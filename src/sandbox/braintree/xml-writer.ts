/**
 * Writing Braintree's XML as the gateway does (the reading side is src/gateways/braintree/xml.ts): escaped text,
 * `nil="true"` for null, type attributes on what the reader converts.
 */
function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'})[c] as string,
  )
}

/** `<name attrs>text</name>`; null renders `<name nil="true"/>` as Braintree does. */
export function el(name: string, text: string | number | boolean | null, attrs: Record<string, string> = {}): string {
  if (text === null) return `<${name} nil="true"/>`
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('')
  return `<${name}${a}>${escapeXml(String(text))}</${name}>`
}

/** `<name>` around already-rendered children. */
export function wrap(name: string, children: string, attrs: Record<string, string> = {}): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('')
  return children === '' ? `<${name}${a}/>` : `<${name}${a}>${children}</${name}>`
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
