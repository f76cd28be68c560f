import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

/** Code comments send a reader to docs/alerts.md#<section>: every such link must land on a heading there. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DOC = readFileSync(join(ROOT, 'docs', 'alerts.md'), 'utf8')

const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

describe('docs/alerts.md', () => {
  it('has a heading for every docs/alerts.md#anchor the code cites', () => {
    const anchors = new Set([...DOC.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)))
    const cited = sources(join(ROOT, 'src')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/docs\/alerts\.md#([a-z0-9-]+)/g)].map((m) => ({
        file: relative(ROOT, file),
        anchor: m[1]!,
      })),
    )
    expect(cited.length).toBeGreaterThan(4)
    expect(cited.filter((c) => !anchors.has(c.anchor))).toEqual([])
  })
})
