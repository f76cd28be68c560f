/**
 * Just enough of a terminal to see what a redrawing view leaves on the screen: text wraps at `columns` (with the
 * pending-wrap rule of real terminals: a line of exactly `columns` characters then a newline takes one row),
 * ESC[nA moves up n rows, ESC[0J clears from the cursor to the end, colour codes take no room.
 */
export function fakeTerminal(initialColumns: number) {
  const screen: string[] = ['']
  let row = 0
  let col = 0
  const put = (ch: string) => {
    if (col === term.columns) {
      row++
      col = 0
    }
    screen[row] = (screen[row] ?? '').padEnd(col).slice(0, col) + ch
    col++
  }
  const term = {
    isTTY: true as const,
    /** Set it to resize (rows that fit stay as they are: what every terminal does when it widens). */
    columns: initialColumns,
    write(chunk: string | Uint8Array): boolean {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
      // eslint-disable-next-line no-control-regex -- the escape sequences are what this terminal interprets
      for (const token of text.split(/(\u001B\[[0-9;]*[A-Za-z])/)) {
        // eslint-disable-next-line no-control-regex -- as above
        const esc = /^\u001B\[([0-9;]*)([A-Za-z])$/.exec(token)
        if (esc) {
          if (esc[2] === 'A') row = Math.max(0, row - Number(esc[1] || 1))
          if (esc[2] === 'J') {
            screen.length = row + 1
            screen[row] = (screen[row] ?? '').slice(0, col)
          }
          continue
        }
        for (const ch of token) {
          if (ch === '\n') {
            row++
            col = 0
            screen[row] ??= ''
          } else put(ch)
        }
      }
      return true
    },
    /** The screen's rows, last empty one dropped. */
    lines(): string[] {
      const out = screen.slice(0, row + 1)
      return out.at(-1) === '' ? out.slice(0, -1) : out
    },
  }
  return term
}
