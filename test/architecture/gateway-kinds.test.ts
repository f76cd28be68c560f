import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import ts from 'typescript'
import {describe, expect, it} from 'vitest'

import {GATEWAY_KINDS} from '../../src/gateways/registry.js'

/**
 * Adding a gateway is one folder under src/gateways/, one under src/sandbox/ and one line in each registry
 * (README, "Adding a gateway"). This finds every place in src/ where code names a gateway kind (an identifier or
 * a string, comments aside) and fails on any outside those places.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url))
const ALLOWED = [/^gateways\/[a-z]+\//, /^sandbox\/[a-z]+\//, /^gateways\/registry\.ts$/, /^sandbox\/registry\.ts$/]

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** Identifiers and string or template text that contain a kind's name, with their line numbers. */
function namings(file: string, pattern: RegExp): Array<{line: number; text: string}> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const found: Array<{line: number; text: string}> = []
  const visit = (node: ts.Node): void => {
    const text =
      ts.isIdentifier(node) ||
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
        ? node.text
        : null
    if (text !== null && pattern.test(text))
      found.push({line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text})
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('gateway kinds are named only in their own folders and the two registries', () => {
  const pattern = new RegExp(GATEWAY_KINDS.join('|'), 'i')

  it('the pattern knows every registered kind', () => {
    expect(GATEWAY_KINDS.length).toBeGreaterThanOrEqual(5)
    for (const kind of GATEWAY_KINDS) expect(pattern.test(`x${kind}y`)).toBe(true)
  })

  it('no other file in src/ names one', () => {
    const outside = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      .filter((path) => !ALLOWED.some((allowed) => allowed.test(path)))
      .flatMap((path) =>
        namings(join(SRC, path), pattern).map((n) => `src/${path}:${n.line} ${JSON.stringify(n.text)}`),
      )
    expect(outside).toEqual([])
  })

  it('finds a naming where there is one (the check can fail)', () => {
    const registry = join(SRC, 'gateways', 'registry.ts')
    expect(namings(registry, pattern).length).toBeGreaterThanOrEqual(GATEWAY_KINDS.length)
  })
})
