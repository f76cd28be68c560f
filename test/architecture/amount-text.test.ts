import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

/**
 * Every amount a person reads is in major units with its currency's decimals (formatMoney). An integer of minor
 * units written next to a currency code ("9007199254740991 USD" for 90 trillion dollars) reads as major units,
 * so this finds every template in src/ that interpolates a minor-unit or raw integer amount right before a
 * currency: `${m.minor} ${m.currency}`, `${amount} ${code}`.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url))
const MINOR_BEFORE_CURRENCY =
  /\$\{(?![^}]*\b(formatMoney|formatDecimal|formatScaled|subject)\()[^}]*\b(minor|amount|amountMinor)\b[^}]*\}\s+\$\{[^}]*\b(currency|code|from|to|target)\b[^}]*\}/

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

describe('amounts people read', () => {
  it('no template puts minor units (or a gateway integer) before a currency code', () => {
    const offenders = sourceFiles(SRC).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          MINOR_BEFORE_CURRENCY.test(line) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    )
    expect(offenders).toEqual([])
  })
})
