import {describe, expect, it} from 'vitest'

import {metricsExposition} from '../../src/cli/metrics-exposition.js'
import {escapeLabelValue, renderExposition} from '../../src/cli/prometheus.js'
import type {MetricsReport} from '../../src/services/metrics.js'

// A line-level reading of the text format (0.0.4): comments, or name{labels} value [timestamp].
const LABEL = String.raw`[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"`
const SAMPLE = new RegExp(
  String.raw`^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:${LABEL}(?:,${LABEL})*,?)?\})? (?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NaN|[+-]Inf)(?: -?\d+)?$`,
)
const HELP = /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* (?:[^\\\n]|\\[\\n])*$/
const TYPE = /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (?:counter|gauge|histogram|summary|untyped)$/

function parseable(text: string): void {
  expect(text.endsWith('\n')).toBe(true)
  for (const line of text.slice(0, -1).split('\n')) {
    expect(SAMPLE.test(line) || HELP.test(line) || TYPE.test(line), `unparseable line: ${line}`).toBe(true)
  }
}

/** Undoes the format's escaping of one label value, to prove nothing was lost. */
function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
}

describe('Prometheus text exposition', () => {
  it('escapes backslash, double quote and newline in label values, and only those', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
    expect(escapeLabelValue('tab\there {ok}')).toBe('tab\there {ok}')
    const nasty = 'acme "eu"\\prod\nline2'
    const text = renderExposition([
      {
        name: 'x_total',
        help: 'help with \\ and\nnewline',
        type: 'counter',
        samples: [{labels: {provider: nasty}, value: 3}],
      },
    ])
    parseable(text)
    const m = /provider="((?:[^"\\]|\\.)*)"/.exec(text)
    expect(unescape(m![1]!)).toBe(nasty)
    expect(text).toContain('# HELP x_total help with \\\\ and\\nnewline\n')
  })

  it('renders NaN and infinities the way Prometheus parses them, and refuses invalid names', () => {
    const text = renderExposition([
      {
        name: 'g',
        help: 'h',
        type: 'gauge',
        samples: [
          {labels: {}, value: Number.NaN},
          {labels: {a: '1'}, value: Number.POSITIVE_INFINITY},
          {labels: {a: '2'}, value: -0.5},
        ],
      },
    ])
    expect(text).toBe('# HELP g h\n# TYPE g gauge\ng NaN\ng{a="1"} +Inf\ng{a="2"} -0.5\n')
    expect(() => renderExposition([{name: 'bad-name', help: '', type: 'gauge', samples: []}])).toThrow(
      /invalid metric name/,
    )
    expect(() =>
      renderExposition([{name: 'ok', help: '', type: 'gauge', samples: [{labels: {'bad-label': 'x'}, value: 1}]}]),
    ).toThrow(/invalid label name/)
  })

  it('exposes latency quantiles, uptime ratio and counters per provider; every line parses', () => {
    const EMPTY = {p50: null, p95: null, p99: null, count: 0}
    const report: MetricsReport = {
      window: '24h',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
      retryDefinition: 'recovered ÷ eligible',
      providers: [
        {
          provider: 'acme-stripe',
          syncLatencyMs: {p50: 12, p95: 340, p99: 900, count: 200},
          syncLatencyBySource: {pull: {p50: 12, p95: 340, p99: 900, count: 200}, webhook: EMPTY},
          webhookToLedgerMs: EMPTY,
          uptimePct: 97.5,
          calls: 80,
          errors: 4,
          retry: {attempted: 9, recovered: 3, eligible: 4, pending: 2, successRate: 0.75},
        },
        {
          provider: 'quiet"one',
          syncLatencyMs: EMPTY,
          syncLatencyBySource: {pull: EMPTY, webhook: EMPTY},
          webhookToLedgerMs: EMPTY,
          uptimePct: null,
          calls: 0,
          errors: 0,
          retry: {attempted: 0, recovered: 0, eligible: 0, pending: 0, successRate: null},
        },
      ],
    }
    const lifetime = new Map([['acme-stripe', {calls: 1000, errors: 30, latencyCount: 5000, latencySumMs: 123456}]])
    const retries = new Map([['acme-stripe', {attempted: 40, recovered: 12, exhausted: 5}]])
    const text = metricsExposition(report, lifetime, retries)
    parseable(text)
    const lines = text.split('\n')
    expect(lines).toContain('# TYPE yms_pay_sync_latency_ms summary')
    expect(lines).toContain('yms_pay_sync_latency_ms{provider="acme-stripe",quantile="0.5"} 12')
    expect(lines).toContain('yms_pay_sync_latency_ms{provider="acme-stripe",quantile="0.99"} 900')
    expect(lines).toContain('yms_pay_sync_latency_ms_count{provider="acme-stripe"} 5000')
    expect(lines).toContain('yms_pay_sync_latency_ms_sum{provider="acme-stripe"} 123456')
    expect(lines).toContain('yms_pay_gateway_uptime_ratio{provider="acme-stripe"} 0.975')
    expect(lines).toContain('# TYPE yms_pay_gateway_calls_total counter')
    expect(lines).toContain('yms_pay_gateway_calls_total{provider="acme-stripe"} 1000')
    expect(lines).toContain('yms_pay_gateway_errors_total{provider="acme-stripe"} 30')
    // no samples yet: quantiles are NaN (the summary convention), uptime is absent rather than a made-up 0 or 1
    expect(lines).toContain('yms_pay_sync_latency_ms{provider="quiet\\"one",quantile="0.95"} NaN')
    expect(lines.some((l) => l.startsWith('yms_pay_gateway_uptime_ratio{provider="quiet'))).toBe(false)
    expect(lines).toContain('yms_pay_gateway_calls_total{provider="quiet\\"one"} 0')
    // Retries: all-time counters, what is open now, and the window's recovery rate (absent while nothing finished).
    expect(lines).toContain('# TYPE yms_pay_retry_attempts_total counter')
    expect(lines).toContain('yms_pay_retry_attempts_total{provider="acme-stripe"} 40')
    expect(lines).toContain('yms_pay_retry_recovered_total{provider="acme-stripe"} 12')
    expect(lines).toContain('yms_pay_retry_exhausted_total{provider="acme-stripe"} 5')
    expect(lines).toContain('yms_pay_retry_pending{provider="acme-stripe"} 2')
    expect(lines).toContain('yms_pay_retry_recovery_ratio{provider="acme-stripe"} 0.75')
    expect(lines).toContain('yms_pay_retry_attempts_total{provider="quiet\\"one"} 0')
    expect(lines.some((l) => l.startsWith('yms_pay_retry_recovery_ratio{provider="quiet'))).toBe(false)
    expect(lines.find((l) => l.startsWith('# HELP yms_pay_retry_recovery_ratio'))).toContain('recovered ÷ eligible')
  })
})
