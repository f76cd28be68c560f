import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

/**
 * docs/gateways.md is where code comments send a reader for a gateway fact (`docs/gateways.md#stripe-listing`).
 * These checks keep every such link landing on a heading, and keep the old citations of reference notes that are
 * not in the repository (`GATEWAYS.md §n`, `DECLINES.md`) from coming back.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DOC = join(ROOT, 'docs', 'gateways.md')
const SRC = join(ROOT, 'src')

/** GitHub's heading slug: lower-case, punctuation other than `-` and `_` dropped, each space a `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor the document's headings produce; a repeated heading gets `-1`, `-2`, … as on GitHub. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  let fence: string | null = null
  for (const line of markdown.split('\n')) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1]
    if (marker && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null
      continue
    }
    if (fence !== null) continue
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = slug(heading)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}

interface Hit {
  file: string
  line: number
  text: string
}

function find(files: readonly string[], pattern: RegExp): Hit[] {
  const hits: Hit[] = []
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        for (const match of line.matchAll(pattern))
          hits.push({file: relative(ROOT, file), line: index + 1, text: match[1] ?? match[0]})
      })
  }
  return hits
}

const where = (hit: Hit): string => `${hit.file}:${hit.line} ${hit.text}`

describe('docs/gateways.md anchors', () => {
  const anchors = anchorsOf(readFileSync(DOC, 'utf8'))

  it('has a heading for every docs/gateways.md#anchor cited under src/', () => {
    const tsFiles = filesUnder(SRC).filter((file) => file.endsWith('.ts'))
    const cited = find(tsFiles, /docs\/gateways\.md#([\p{L}\p{N}_-]+)/gu)
    expect(cited.filter((hit) => !anchors.has(hit.text)).map(where)).toEqual([])
  })

  it('has the headings other code was told to cite', () => {
    const kinds = ['stripe', 'adyen', 'paypal', 'square', 'braintree']
    const topics = ['auth', 'listing', 'amounts', 'statuses', 'webhooks', 'idempotency', 'errors', 'declines']
    const promised = [
      ...kinds.flatMap((kind) => topics.map((topic) => `${kind}-${topic}`)),
      'adyen-settlement-reports',
      'paypal-transaction-search',
      'currencies-and-exponents',
      'declines-and-retries',
      'rules-before-any-table',
      'card-network-caps',
      'retry-schedules',
      'unknown-outcomes',
      'sources',
    ]
    expect(promised.filter((anchor) => !anchors.has(anchor))).toEqual([])
  })

  it('slugs headings the way GitHub does', () => {
    expect(slug('Adyen settlement reports')).toBe('adyen-settlement-reports')
    expect(slug('Card-network caps')).toBe('card-network-caps')
    expect(slug('What’s new? (v2)')).toBe('whats-new-v2')
  })
})

describe('citations of reference notes outside the repository', () => {
  it('are gone from src/ (cite docs/gateways.md#<anchor> instead)', () => {
    const stale = find(filesUnder(SRC), /GATEWAYS\.md §|DECLINES\.md/g)
    expect(stale.map(where)).toEqual([])
  })
})
