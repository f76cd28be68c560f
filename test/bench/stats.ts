/** Small statistics for benchmarks on a shared, noisy machine: medians and ratios, never single runs. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!
}

/** Median of per-round ratios: robust when the machine's speed drifts between rounds (each round shares the noise). */
export function pairedRatio(values: readonly number[], baseline: readonly number[]): number {
  const n = Math.min(values.length, baseline.length)
  return median(Array.from({length: n}, (_, i) => values[i]! / baseline[i]!))
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a'
}

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** Where this run happened, for the results file: ratios are comparable across machines, milliseconds are not. */
export async function machineNote(): Promise<string> {
  const os = await import('node:os')
  const cpus = os.cpus()
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
  return `${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, node ${process.version}, load avg ${load}`
}
