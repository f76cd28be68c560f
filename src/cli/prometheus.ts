/**
 * The Prometheus text exposition format (version 0.0.4), as node_exporter's textfile collector reads it:
 * `# HELP`, `# TYPE`, then `name{label="value"} number` lines, a trailing newline. Pure.
 */

export type MetricType = 'counter' | 'gauge' | 'summary' | 'untyped'

export interface Sample {
  /** The sample's full name when it differs from the family (e.g. `<family>_count` of a summary). */
  name?: string
  labels: Record<string, string>
  value: number
}

export interface MetricFamily {
  name: string
  help: string
  type: MetricType
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Label values escape backslash, double quote and line feed (and nothing else), per the format. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** HELP text escapes backslash and line feed only. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

/** Go's float formatting as Prometheus parses it: NaN, +Inf, -Inf, otherwise the shortest exact decimal. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}

export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`invalid metric name ${JSON.stringify(f.name)}`)
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) {
      const name = s.name ?? f.name
      if (!NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`)
      const labels = Object.entries(s.labels)
      for (const [k] of labels)
        if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)}`)
      const body = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`
      lines.push(`${name}${body} ${formatValue(s.value)}`)
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}
