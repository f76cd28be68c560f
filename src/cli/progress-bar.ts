/**
 * A one-line progress bar on a TTY (stderr), drawn only once the work has taken longer than `afterMs`, so a quick
 * run prints nothing. Writes to a TTY are synchronous, so it advances even while the work holds the event loop.
 */
export function createProgressBar(stream: NodeJS.WriteStream, opts: {afterMs?: number; now?: () => number} = {}) {
  const now = opts.now ?? Date.now
  const started = now()
  const after = opts.afterMs ?? 1000
  let drawn = false
  return {
    update(phase: string, done: number, total: number): void {
      if (now() - started < after) return
      const share = total > 0 ? Math.min(1, done / total) : 0
      const width = 30
      const full = Math.round(share * width)
      stream.write(
        `\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.round(share * 100)).padStart(3)}% ${phase}\u001B[K`,
      )
      drawn = true
    },
    done(): void {
      if (drawn) stream.write('\r\u001B[K')
      drawn = false
    },
  }
}
