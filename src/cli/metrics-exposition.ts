import type {LifetimeTotals, MetricsReport} from '../services/metrics.js'
import type {MetricFamily} from './prometheus.js'
import {renderExposition} from './prometheus.js'

/**
 * `metrics --format prometheus`: quantiles and uptime over the window (gauges of "now"), and the counters
 * (`*_total`, the summary's `_count`/`_sum`) over all recorded history, because Prometheus counters must only
 * grow: a windowed count drops as old calls leave the window and rate() would read that as a reset.
 */
export function metricsExposition(
  report: MetricsReport,
  lifetime: ReadonlyMap<string, LifetimeTotals>,
  retryLifetime: ReadonlyMap<string, RetryTotals> = new Map(),
): string {
  const latency: MetricFamily = {
    name: 'yms_pay_sync_latency_ms',
    help: `Gateway event to ledger commit latency in milliseconds; quantiles over the last ${report.window}, count and sum over all history.`,
    type: 'summary',
    samples: [],
  }
  const uptime: MetricFamily = {
    name: 'yms_pay_gateway_uptime_ratio',
    help: `Share of minutes with gateway calls in the last ${report.window} in which the gateway answered (0..1).`,
    type: 'gauge',
    samples: [],
  }
  const calls: MetricFamily = {
    name: 'yms_pay_gateway_calls_total',
    help: 'Gateway call attempts recorded, including ones refused by the circuit breaker.',
    type: 'counter',
    samples: [],
  }
  const errors: MetricFamily = {
    name: 'yms_pay_gateway_errors_total',
    help: 'Gateway call attempts that did not end in ok (HTTP errors, rate limits, timeouts, network errors, circuit refusals).',
    type: 'counter',
    samples: [],
  }
  for (const p of report.providers) {
    const provider = {provider: p.provider}
    const l = p.syncLatencyMs
    for (const [quantile, value] of [
      ['0.5', l.p50],
      ['0.95', l.p95],
      ['0.99', l.p99],
    ] as const) {
      latency.samples.push({labels: {...provider, quantile}, value: value ?? Number.NaN})
    }
    const total = lifetime.get(p.provider) ?? {calls: 0, errors: 0, latencyCount: 0, latencySumMs: 0}
    latency.samples.push(
      {name: 'yms_pay_sync_latency_ms_sum', labels: provider, value: total.latencySumMs},
      {name: 'yms_pay_sync_latency_ms_count', labels: provider, value: total.latencyCount},
    )
    if (p.uptimePct !== null) uptime.samples.push({labels: provider, value: p.uptimePct / 100})
    calls.samples.push({labels: provider, value: total.calls})
    errors.samples.push({labels: provider, value: total.errors})
  }
  return renderExposition([latency, uptime, calls, errors, ...retryFamilies(report, retryLifetime)])
}

type RetryTotals = {attempted: number; recovered: number; exhausted: number}

/**
 * Automated retries per provider of the failed payments: all-time counters (attempts sent, chains recovered, chains
 * that ended unrecovered), the chains open now, and the recovery rate over the window with its definition.
 */
function retryFamilies(report: MetricsReport, lifetime: ReadonlyMap<string, RetryTotals>): MetricFamily[] {
  const family = (name: string, help: string, type: MetricFamily['type']): MetricFamily => ({
    name,
    help,
    type,
    samples: [],
  })
  const attempts = family('yms_pay_retry_attempts_total', 'Retry requests sent for failed payments.', 'counter')
  const recovered = family('yms_pay_retry_recovered_total', 'Failed payments recovered by a retry.', 'counter')
  const exhausted = family(
    'yms_pay_retry_exhausted_total',
    'Failed payments whose retries ended unrecovered (every retry used, or a hard decline on one).',
    'counter',
  )
  const pending = family(
    'yms_pay_retry_pending',
    'Failed payments queued for a retry, or waiting for one to settle.',
    'gauge',
  )
  const rate = family(
    'yms_pay_retry_recovery_ratio',
    `Recovery rate over the last ${report.window}: ${report.retryDefinition} (here by count).`,
    'gauge',
  )
  for (const p of report.providers) {
    const labels = {provider: p.provider}
    const total = lifetime.get(p.provider) ?? {attempted: 0, recovered: 0, exhausted: 0}
    attempts.samples.push({labels, value: total.attempted})
    recovered.samples.push({labels, value: total.recovered})
    exhausted.samples.push({labels, value: total.exhausted})
    pending.samples.push({labels, value: p.retry.pending})
    if (p.retry.successRate !== null) rate.samples.push({labels, value: p.retry.successRate})
  }
  return [attempts, recovered, exhausted, pending, rate]
}
