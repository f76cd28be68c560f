import {XMLParser, XMLValidator} from 'fast-xml-parser'

/**
 * Braintree answers in XML whose attributes carry the value's type (BT `util.js` convertNodeToObject):
 * `type="array"` (children become a list), `type="collection"` (a paged envelope: an object),
 * `type="integer"`, `type="boolean"`, `nil="true"` (null). `type="datetime"` / `"date"` stay strings; the
 * translator validates them. Element names stay kebab-case, as on the wire, so fixtures read like the XML.
 */
export type XmlValue = string | number | boolean | null | XmlValue[] | {[key: string]: XmlValue}
export type XmlObject = {[key: string]: XmlValue}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: '@',
  textNodeName: '#',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
})

type Raw = string | {[key: string]: unknown} | unknown[]

function convert(node: unknown): XmlValue {
  if (Array.isArray(node)) return node.map(convert)
  if (node === null || node === undefined) return null
  if (typeof node !== 'object') return String(node)
  const obj = node as Record<string, unknown>
  const attrs = (obj['@'] ?? {}) as Record<string, string>
  if (attrs.nil === 'true') return null
  if (attrs.type === 'array') {
    const out: XmlValue[] = []
    for (const [key, value] of Object.entries(obj)) {
      if (key === '@' || key === '#') continue
      if (Array.isArray(value)) for (const item of value) out.push(convert(item))
      else out.push(convert(value))
    }
    return out
  }
  const text = typeof obj['#'] === 'string' ? obj['#'] : obj['#'] === undefined ? undefined : String(obj['#'])
  if (attrs.type === 'integer') {
    const n = text !== undefined && /^-?\d+$/.test(text) ? Number(text) : Number.NaN
    return Number.isSafeInteger(n) ? n : (text ?? '')
  }
  if (attrs.type === 'boolean') return text === 'true'
  const keys = Object.keys(obj).filter((k) => k !== '@' && k !== '#')
  if (keys.length === 0) return text ?? ''
  const out: XmlObject = {}
  for (const key of keys) out[key] = convert(obj[key] as Raw)
  return out
}

export type XmlParse = {ok: true; root: string; value: XmlValue} | {ok: false; reason: string}

/** Parses one XML document into its root element's name and value; malformed XML is a reason, never a throw. */
export function parseBraintreeXml(text: string): XmlParse {
  const trimmed = text.trim()
  if (trimmed === '') return {ok: false, reason: 'empty XML body'}
  const valid = XMLValidator.validate(trimmed)
  if (valid !== true) return {ok: false, reason: `malformed XML: ${valid.err.msg} (line ${valid.err.line})`}
  let doc: Record<string, unknown>
  try {
    doc = parser.parse(trimmed) as Record<string, unknown>
  } catch (error) {
    return {ok: false, reason: `malformed XML: ${(error as Error).message}`}
  }
  const roots = Object.keys(doc).filter((k) => !k.startsWith('?'))
  if (roots.length !== 1) return {ok: false, reason: `expected one root element, found ${roots.length}`}
  const root = roots[0] as string
  return {ok: true, root, value: convert(doc[root])}
}

/** A repeated element is a list when there are several and a lone object when there is one. */
export function asList(value: XmlValue | undefined): XmlValue[] {
  if (value === undefined || value === null || value === '') return []
  return Array.isArray(value) ? value : [value]
}

export function isXmlObject(value: XmlValue | undefined): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
