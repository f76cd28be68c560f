// Colour codes (SGR) take no room on the screen.
// eslint-disable-next-line no-control-regex -- ESC is what starts the codes this strips
const SGR = /\u001B\[[0-9;]*m/g
// East Asian wide and fullwidth characters, and emoji, take two columns in a terminal.
const WIDE =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u
// Combining marks, zero-width spaces and joiners, and variation selectors (U+FE00..FE0F, checked by code point).
const ZERO = /[\p{Mn}\p{Me}\u200B-\u200F]/u

export function stripAnsi(text: string): string {
  return text.replace(SGR, '')
}

function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!
  return ZERO.test(ch) || (cp >= 0xfe00 && cp <= 0xfe0f) ? 0 : WIDE.test(ch) ? 2 : 1
}

/** Columns a single-line string takes on a terminal (colour codes excluded). */
export function displayWidth(text: string): number {
  let width = 0
  for (const ch of stripAnsi(text)) width += charWidth(ch)
  return width
}

/**
 * Cuts a single-line string to `width` columns, the last one an ellipsis. Colour codes are kept whole, and those
 * after the cut still close what was opened, so a cut red cell does not paint the rest of the line.
 */
export function truncateTo(text: string, width: number): string {
  if (displayWidth(text) <= width) return text
  if (width <= 0) return ''
  let out = ''
  let used = 0
  let cut = false
  // eslint-disable-next-line no-control-regex -- split on the colour codes, keeping them
  for (const token of text.split(/(\u001B\[[0-9;]*m)/)) {
    if (token.startsWith('\u001B[')) {
      out += token
      continue
    }
    if (cut) continue
    for (const ch of token) {
      const w = charWidth(ch)
      if (used + w > width - 1) {
        out += '…'
        cut = true
        break
      }
      out += ch
      used += w
    }
  }
  return out
}

/** Physical terminal rows a block of text takes at `columns` (long lines wrap; an empty line is still one row). */
export function screenRows(text: string, columns: number | undefined): number {
  return text
    .split('\n')
    .reduce((rows, line) => rows + (columns ? Math.max(1, Math.ceil(displayWidth(line) / columns)) : 1), 0)
}
