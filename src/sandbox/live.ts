import {UsageError} from '../core/errors.js'
import type {Money} from '../core/transaction.js'
import {GATEWAY_KINDS, type GatewayKind} from '../gateways/registry.js'
import {PROFILES, sandboxFee} from './fees.js'
import {drawAmount, HARD, SEGMENT_FACTOR, SOFT} from './generate.js'
import type {DeclineReason, Scenario, ScenarioDispute, ScenarioPayment, ScenarioRefund} from './model.js'
import {createRng, type Rng} from './prng.js'

/**
 * A world that moves (`sandbox serve --live <per minute>`): the scenario's history, then new payments arriving at
 * random (a Poisson process at the given rate) from `from` for `forMs`, some failing, some pending for a few minutes,
 * some refunded or disputed minutes later. The emulators reveal each object as their clock reaches it and the
 * webhook delivery announces it, so a `sync --watch` finds new payments, refunds and disputes on every pass.
 *
 * Deterministic per seed: the same seed gives the same payments at the same offsets from `from`. Live payments
 * settle no invoice (the YMS issued none for them); their customers are the world's.
 */
export interface LiveOptions {
  seed: number
  /** New payments per minute, on average. */
  perMinute: number
  /** Epoch ms at which the history ends and the world starts moving. */
  from: number
  forMs: number
  /** The gateways payments go to, by customer, as in generateScenario (default: all). */
  gateways?: readonly GatewayKind[]
}

/** More than this many live payments is more than an emulator should index up front. */
export const MAX_LIVE_PAYMENTS = 200_000

const MINUTE = 60_000

export function extendLive(history: Scenario, opts: LiveOptions): Scenario {
  if (!(opts.perMinute > 0)) throw new UsageError(`--live must be a positive rate per minute, got ${opts.perMinute}`)
  const expected = (opts.perMinute * opts.forMs) / MINUTE
  if (expected > MAX_LIVE_PAYMENTS)
    throw new UsageError(
      `--live ${opts.perMinute} for ${Math.round(opts.forMs / MINUTE)} min is ~${Math.round(expected)} payments, over ${MAX_LIVE_PAYMENTS}`,
      'Lower --live or --live-for.',
    )
  const rng = createRng(opts.seed).fork('live')
  const until = opts.from + opts.forMs
  const gateways = opts.gateways && opts.gateways.length > 0 ? opts.gateways : GATEWAY_KINDS
  const payments: ScenarioPayment[] = []
  for (let at = opts.from + gap(rng, opts.perMinute); at <= until; at += gap(rng, opts.perMinute)) {
    const customerIndex = rng.int(0, history.customers.length - 1)
    payments.push(
      livePayment(rng, history, {
        key: `p${String(history.payments.length + payments.length + 1).padStart(6, '0')}`,
        customerIndex,
        gateway: gateways[customerIndex % gateways.length]!,
        at,
        until,
      }),
    )
  }
  return {
    ...history,
    end: new Date(Math.max(until, Date.parse(history.end))).toISOString(),
    payments: [...history.payments, ...payments],
  }
}

/** The wait until the next payment: exponential, so arrivals are a Poisson process at `perMinute`. */
function gap(rng: Rng, perMinute: number): number {
  return Math.max(1, Math.round((-Math.log(1 - rng.next()) * MINUTE) / perMinute))
}

const iso = (ms: number): string => new Date(ms).toISOString()

function livePayment(
  rng: Rng,
  history: Scenario,
  p: {key: string; customerIndex: number; gateway: GatewayKind; at: number; until: number},
): ScenarioPayment {
  const customer = history.customers[p.customerIndex]!
  const currency = history.sites.find((s) => s.id === customer.site)!.currency
  const profile = PROFILES[currency]!
  const factor = SEGMENT_FACTOR[customer.segment as keyof typeof SEGMENT_FACTOR] ?? 1
  const amount: Money = {minor: drawAmount(rng, profile, factor), currency}
  const roll = rng.next()
  const failed = roll < 0.08
  const decline: DeclineReason | null = failed ? (rng.chance(0.7) ? rng.pick(SOFT) : rng.pick(HARD)) : null
  // A few are pending a couple of minutes (a bank debit), then settle or bounce.
  const settled = roll > 0.95 || (failed && rng.chance(0.12)) ? p.at + rng.int(MINUTE, 5 * MINUTE) : null
  const settledAt = settled !== null && settled <= p.until ? settled : null
  const live = {amount, after: settledAt ?? p.at, until: p.until, step: profile.step}
  return {
    key: p.key,
    gateway: p.gateway,
    customer: customer.id,
    invoice: null,
    amount,
    fee: {minor: failed ? 0 : sandboxFee(amount.minor, currency), currency},
    createdAt: iso(p.at),
    settledAt: settledAt === null ? null : iso(settledAt),
    outcome: failed ? 'failed' : 'succeeded',
    decline,
    ...afterwards(rng, p.key, failed ? null : live),
  }
}

/** One in twelve succeeded payments is refunded a few minutes later, one in fifty disputed (never both). */
function afterwards(rng: Rng, key: string, m: LiveMoney | null): Pick<ScenarioPayment, 'refunds' | 'dispute'> {
  const roll = rng.next()
  if (m === null || roll >= 1 / 12 + 1 / 50) return {refunds: [], dispute: null}
  return roll < 1 / 12
    ? {refunds: liveRefunds(rng, key, m), dispute: null}
    : {refunds: [], dispute: liveDispute(rng, key, m)}
}

interface LiveMoney {
  amount: Money
  after: number
  until: number
  step: number
}

/** A refund a few minutes later, in full or in part. */
function liveRefunds(rng: Rng, key: string, m: LiveMoney): ScenarioRefund[] {
  const at = m.after + rng.int(MINUTE, 10 * MINUTE)
  if (at > m.until) return []
  const partial = rng.chance(0.4) && m.amount.minor >= 4 * m.step
  const minor = partial
    ? Math.max(m.step, Math.floor((m.amount.minor * rng.int(10, 60)) / 100 / m.step) * m.step)
    : m.amount.minor
  return [{key: `r${key.slice(1)}-1`, amount: {minor, currency: m.amount.currency}, at: iso(at)}]
}

/** A dispute opened a few minutes later and decided (won or lost) some minutes after that. */
function liveDispute(rng: Rng, key: string, m: LiveMoney): ScenarioDispute | null {
  const opened = m.after + rng.int(2 * MINUTE, 10 * MINUTE)
  if (opened > m.until) return null
  const closed = opened + rng.int(5 * MINUTE, 30 * MINUTE)
  const decided = closed <= m.until
  return {
    key: `d${key.slice(1)}`,
    amount: m.amount,
    openedAt: iso(opened),
    closedAt: decided ? iso(closed) : null,
    outcome: decided ? (rng.chance(0.45) ? 'won' : 'lost') : null,
  }
}
